"""Counts in the admin as an Arab editor writes them: Arabic has six plural forms
("مصدر واحد", "مصدران", "3 مصادر", "11 مصدرا", "100 مصدر"), which Django's "23 المصادر"
(a number before the list's title) never gets right. Each noun is one ngettext entry;
locale/ar holds its six forms.
"""

from __future__ import annotations

from django.utils.translation import ngettext

# A model's label (app_label.model_name) -> its noun as a count, singular and plural.
NOUNS = {
    "articles.outlet": ("%(n)s مصدر", "%(n)s مصادر"),
    "articles.article": ("%(n)s مقال", "%(n)s مقالات"),
    "articles.section": ("%(n)s قسم", "%(n)s أقسام"),
    "articles.image": ("%(n)s صورة", "%(n)s صور"),
    "articles.reviewqueueimage": ("%(n)s صورة", "%(n)s صور"),
    "articles.story": ("%(n)s قصة", "%(n)s قصص"),
    "articles.fetchlog": ("%(n)s عملية جلب", "%(n)s عمليات جلب"),
    "articles.moderationevent": ("%(n)s إجراء", "%(n)s إجراءات"),
    "articles.pagehost": ("%(n)s مضيف", "%(n)s مضيفين"),
    "articles.feedchange": ("%(n)s عنوان تغذية", "%(n)s عناوين تغذية"),
    "auth.user": ("%(n)s مستخدم", "%(n)s مستخدمين"),
    "auth.group": ("%(n)s مجموعة", "%(n)s مجموعات"),
}


def counted(label: str, n: int) -> str:
    """``n`` things of the model ``label`` in words ("مصدران"); a model we have no noun
    for is counted without one."""
    if label not in NOUNS:
        return ngettext("%(n)s عنصر", "%(n)s عناصر", n) % {"n": n}
    singular, plural = NOUNS[label]
    return ngettext(singular, plural, n) % {"n": n}
