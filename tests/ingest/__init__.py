"""Feeds in: the guarded fetch, charsets, parsing, malformed feeds and public corpora,
storing, the ingest pipeline and the commands that ingest."""
