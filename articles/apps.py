from axes import apps as axes_apps
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignInThrottleConfig(axes_apps.AppConfig):  # type: ignore[misc]
    """django-axes under an Arabic name: its app has none, so the admin's index showed
    "AXES" above its sign-in records. (Named in INSTALLED_APPS instead of "axes"; not
    this module's default, which stays ArticlesConfig for "articles".)"""

    default = False
    verbose_name = _("حماية تسجيل الدخول")


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("الأخبار")

    def ready(self) -> None:
        # Moderation builds on images, never the reverse: a new copy is announced by
        # the images job, and moderation answers in the same transaction. (Imported
        # here, not at the top: Django loads this module before the models.)
        from articles.images.copy import copy_recorded
        from articles.moderation.visibility import follow_copy

        copy_recorded.connect(follow_copy, dispatch_uid="articles.follow_copy")
