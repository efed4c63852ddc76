"""WSGI entry point: the web server's processes (gunicorn, runserver), and only them.

Their PostgreSQL connections give up on a statement or a lock after a few seconds
(newsroom/timeouts.py): a held lock or a slow database answers a 503 at once
(articles/site/errors.py) instead of holding a gunicorn worker until its own timeout.
Celery workers and commands never load this module, so ingest and migrations wait for
locks as long as they must.
"""

import os

from django.core.wsgi import get_wsgi_application
from django.db.backends.signals import connection_created

from newsroom.timeouts import web_timeouts

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
application = get_wsgi_application()
connection_created.connect(web_timeouts, dispatch_uid="newsroom.web_timeouts")
