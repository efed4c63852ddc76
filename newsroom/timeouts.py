"""The web processes' limits on PostgreSQL, set on each of their new connections by
newsroom/wsgi.py: ``WEB_STATEMENT_TIMEOUT_MS`` for a statement, ``WEB_LOCK_TIMEOUT_MS``
for a lock (0 leaves no limit). Past them PostgreSQL cancels the statement, Django
raises ``OperationalError`` and the reader gets a 503 with Retry-After."""

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper


def web_timeouts(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, false),"
            " set_config('lock_timeout', %s, false)",
            [str(settings.WEB_STATEMENT_TIMEOUT_MS), str(settings.WEB_LOCK_TIMEOUT_MS)],
        )
