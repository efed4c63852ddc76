from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("الأخبار")

    def ready(self) -> None:
        # Moderation builds on images, never the reverse: a new copy is announced by
        # the images job, and moderation answers in the same transaction.
        from articles.images.copy import copy_recorded

        copy_recorded.connect(_follow_moderation, dispatch_uid="articles.follow_moderation")


def _follow_moderation(sender: Any, image_id: int, **kwargs: Any) -> None:
    from articles.moderation.visibility import follow_hidden

    follow_hidden(image_id)
