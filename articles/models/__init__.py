"""Newsroom's data, one module per domain: outlets (with their sections and fetch log),
articles, images, moderation, search and article pages' hosts.

Rows are written by the ingest stages (``articles.ingest.store``) with bulk upserts keyed
on unique constraints, so re-running any stage changes nothing. Everything is re-exported
here: code outside this package imports models from ``articles.models``.
"""

from articles.models.articles import (
    Article,
    ArticleImage,
    ArticleQuerySet,
    ContentVersion,
    ContentVersionManager,
    FullTextStatus,
)
from articles.models.discovery import FeedChange
from articles.models.images import (
    HIDDEN,
    Image,
    ImageQuerySet,
    ReviewQueueImage,
    Visibility,
    image_report_path,
    image_upload_to,
)
from articles.models.moderation import ImageReport, ModerationEvent, ModerationState, ReportReason
from articles.models.outlets import (
    RESERVED_SLUGS,
    FetchLog,
    Language,
    Outlet,
    OutletQuerySet,
    Section,
    SectionAlias,
    is_reserved_slug,
    outlet_path,
    validate_outlet_slug,
)
from articles.models.pages import PageHost
from articles.models.reads import DailyReads, ReadingSalt
from articles.models.regions import REGIONS, Region
from articles.models.search import SearchEntry
from articles.models.stories import Story, StoryKey, StoryMove, StoryPrint, StoryTurn

__all__ = [
    "HIDDEN",
    "RESERVED_SLUGS",
    "Article",
    "ArticleImage",
    "ArticleQuerySet",
    "Section",
    "SectionAlias",
    "ContentVersion",
    "ContentVersionManager",
    "DailyReads",
    "FeedChange",
    "FetchLog",
    "FullTextStatus",
    "Image",
    "ImageQuerySet",
    "ImageReport",
    "Language",
    "ModerationEvent",
    "ModerationState",
    "PageHost",
    "ReadingSalt",
    "REGIONS",
    "Region",
    "ReportReason",
    "ReviewQueueImage",
    "SearchEntry",
    "Story",
    "StoryKey",
    "StoryPrint",
    "StoryMove",
    "StoryTurn",
    "Outlet",
    "OutletQuerySet",
    "Visibility",
    "image_report_path",
    "image_upload_to",
    "is_reserved_slug",
    "outlet_path",
    "validate_outlet_slug",
]
