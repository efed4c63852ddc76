"""Django admin, in Arabic: outlets with their fetch health and feed addresses, articles,
images, stories.

Each module registers its own pages; importing them here is what Django's admin
autodiscovery (which imports ``articles.admin``) finds.
"""

from articles.admin import articles, discovery, images, outlets, stories

__all__ = ["articles", "discovery", "images", "outlets", "stories"]
