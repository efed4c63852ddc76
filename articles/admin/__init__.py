"""Django admin, in Arabic: outlets with their fetch health, articles, images, stories.

Each module registers its own pages; importing them here is what Django's admin
autodiscovery (which imports ``articles.admin``) finds.
"""

from articles.admin import articles, images, outlets, stories

__all__ = ["articles", "images", "outlets", "stories"]
