"""The reading site through Django's test client: addresses, escaping, paging, dates,
feeds and sitemaps, pages, caching, the French edition."""
