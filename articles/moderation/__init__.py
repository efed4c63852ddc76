"""Readers report images; several distinct readers hide one everywhere until staff review.

The rules:

- One counted report per reader and per network for an image: the reader is a random
  value in a signed cookie, the network the client address's /24 (IPv4) or /48 (IPv6).
  Both are stored only as keyed hashes (HMAC-SHA256 with ``REPORT_HASH_KEY``), each
  unique with the image, so neither a new cookie nor a new address in the same network
  counts twice. Nothing here stores or logs an address or a cookie value.
- The client address is the connection's; ``X-Forwarded-For`` is read only when
  ``TRUSTED_PROXY_COUNT`` proxies are configured, and then only the entry they added.
- An image is hidden when ``IMAGE_REPORT_THRESHOLD`` distinct networks reported it within
  ``IMAGE_REPORT_WINDOW_DAYS``. Reports of one image take the image's row lock, and the
  hide is one conditional UPDATE, so concurrent reports hide it exactly once.
- Hiding takes the picture with it: the same row, the same bytes (sha256) and, for
  distinctive pictures only, perceptual-hash look-alikes (the same photo re-published
  at another size). Our copies leave the public media storage for the quarantine
  storage, and the content version is bumped so cached pages change at once.
- A restored image is immune to automatic hiding until staff lift that.
- Over ``IMAGE_REPORT_RATE`` reports an hour from one reader or network, reports are
  thanked and not counted. Over ``IMAGE_HIDE_BREAKER`` automatic hides in an hour,
  automatic hiding stops (the breaker) until staff reset it; reports keep counting.

Staff actions in admin call the same functions as automatic ones, and every action is a
``ModerationEvent``.
"""
