"""Feed discovery: find an outlet's feed from its site's address, as a reader's browser
does, and follow a feed that moved (docs/discovery.md).

``candidates`` reads a home page for the feeds it advertises and lists the usual paths
(no network); ``search`` fetches the candidates through the guarded client, within
robots.txt and each host's turn; ``moves`` records what was found and proposes, takes,
accepts or rejects a new address.
"""
