"""The Celery application, configured from Django settings (CELERY_* names)."""

import os

from celery import Celery

from newsroom.env import env_float

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

app = Celery("newsroom")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Seconds between two scheduling rounds (claim due outlets, re-queue lost work): a minute
# in production; the soak test (tests/reliability/) schedules every few seconds.
SCHEDULE_INTERVAL_SECONDS = env_float("SCHEDULE_INTERVAL_SECONDS", 60.0)
app.conf.beat_schedule = {
    "schedule-due-sources": {
        "task": "articles.tasks.schedule_due_sources",
        "schedule": SCHEDULE_INTERVAL_SECONDS,
    },
    "repair-image-copies": {"task": "articles.tasks.repair_image_copies", "schedule": 600.0},
    "flush-reads": {"task": "articles.tasks.flush_reads", "schedule": 60.0},
}
