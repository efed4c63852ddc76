"""The public JSON API under /api/v1/: what readers can see, for apps, widgets and
researchers. Read-only, public, cached like the pages, documented by an OpenAPI document
built from these modules (django-ninja).

- ``schemas``: the shapes of answers and of the articles list's parameters;
- ``answers``: articles, outlets and sections as the API gives them, in a constant
  number of queries; ``stories``: the stories list's pages and one story, likewise;
- ``routes``: the NinjaAPI and its operations; ``limits``: the rate limit per network.
"""
