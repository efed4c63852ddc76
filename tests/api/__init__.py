"""The public JSON API under /api/v1/: resources, filters and pages, search, what staff
hid, HTTP and caching, the rate limit, query counts, hostile feeds."""
