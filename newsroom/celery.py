"""The Celery application, configured from Django settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

app = Celery("newsroom")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_schedule = {
    "schedule-due-sources": {"task": "articles.tasks.schedule_due_sources", "schedule": 60.0},
    "repair-image-copies": {"task": "articles.tasks.repair_image_copies", "schedule": 600.0},
    "flush-reads": {"task": "articles.tasks.flush_reads", "schedule": 60.0},
}
