"""Template filters and tags of the reading site: relative times with Arabic plural
forms, the other edition's address, image ``srcset`` and JSON-LD. Presentation only."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from articles.models import Image, image_report_path
from articles.site.cache import back_path, page_query
from articles.site.cards import Card
from articles.site.reading import Headline
from articles.stories.ranking import Report

register = template.Library()

# Django's catalogue gives the Mashriqi month names for "ar" (مايو، يوليو، أغسطس ...);
# ours (locale/ar) maps the same messages to the names Moroccan outlets print (ماي،
# يوليوز، غشت ...). Listed here so that makemessages keeps them in our catalogue.
MOROCCAN_CALENDAR = (
    gettext_noop("January"), gettext_noop("February"), gettext_noop("March"),
    gettext_noop("April"), gettext_noop("May"), gettext_noop("June"), gettext_noop("July"),
    gettext_noop("August"), gettext_noop("September"), gettext_noop("October"),
    gettext_noop("November"), gettext_noop("December"), gettext_noop("Monday"),
    gettext_noop("Tuesday"), gettext_noop("Wednesday"), gettext_noop("Thursday"),
    gettext_noop("Friday"), gettext_noop("Saturday"), gettext_noop("Sunday"),
)  # fmt: skip

# Characters that could end a <script> data block or open markup inside it.
JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def relative_time(value: datetime | None, now: datetime | None = None) -> str:
    """'منذ 5 دقائق', 'منذ ساعتين': how long ago, in the edition's language and plural
    forms; older than a week, the date itself."""
    if value is None:
        return ""
    seconds = ((now or timezone.now()) - value).total_seconds()
    minutes = int(seconds // 60)
    if minutes < 1:
        return _("الآن")
    if minutes < 60:
        return ngettext("منذ دقيقة", "منذ %(count)d دقائق", minutes) % {"count": minutes}
    hours = minutes // 60
    if hours < 24:
        return ngettext("منذ ساعة", "منذ %(count)d ساعات", hours) % {"count": hours}
    days = hours // 24
    if days < 7:
        return ngettext("منذ يوم", "منذ %(count)d أيام", days) % {"count": days}
    return date_format(timezone.localtime(value), "DATE_FORMAT")


@register.simple_tag(takes_context=True)
def edition_url(context: dict[str, Any], language: str) -> str:
    """This page's address in ``language``'s edition (/x/ <-> /fr/x/): the same view
    reversed, with only the parameters pages read; the edition's home page when the
    address resolved to nothing (a 404). Never a host, whatever the request path."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    with translation.override(language):
        if match is None or not match.view_name:
            return reverse("articles:home")
        try:
            path = reverse(match.view_name, args=match.args, kwargs=match.kwargs)
        except NoReverseMatch:
            return reverse("articles:home")
    query = page_query(request) if request is not None else ""
    return f"{path}?{query}" if query else path


@register.filter
def machine_time(value: datetime | None) -> str:
    """For ``<time datetime>``: local time to the second (HTML allows at most three
    fraction digits, and undated items carry their fetch time's microseconds)."""
    if value is None:
        return ""
    return timezone.localtime(value).replace(microsecond=0).isoformat()


@register.simple_tag(takes_context=True)
def report_link(context: dict[str, Any], image: Image) -> str:
    """The address of ``image``'s report form, coming back to this page afterwards."""
    request = context.get("request")
    back = urlencode({"next": back_path(request)}) if request is not None else ""
    return f"{image_report_path(image.pk, translation.get_language())}?{back}"


@register.filter
def srcset(image: Image) -> str:
    """Our thumbnail and our copy, by width, for ``<img srcset>``."""
    return f"{image.thumbnail.url} {image.thumbnail_width}w, {image.copy.url} {image.copy_width}w"


@register.filter
def outlet_links(reports: Iterable[Report], bidi: bool) -> SafeString:
    """A card's other outlets, each name a link to its report, with the edition's
    comma: a card may name sixty of them, and a loop in the template costs ten times
    as much."""
    language = translation.get_language()
    return mark_safe(  # noqa: S308 (data escaped; our translations as {% translate %} leaves them)
        ("، " if bidi else ", ").join(
            f'<a href="{_esc(r.get_absolute_url(language))}" lang="{_esc(r.language)}">'
            f"<bdi>{_esc(r.outlet_name_in(language))}</bdi></a>"
            for r in reports
        )
    )


@register.filter
def ld_json(data: Any) -> SafeString:
    """``data`` as JSON safe to put inside ``<script type="application/ld+json">``."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return mark_safe(text.translate(JSON_SCRIPT_ESCAPES))  # noqa: S308


# A card (``includes/story.html``) is drawn here rather than by a template: a page
# draws up to 65 of them, and the template language resolves some thirty variables
# for each. The markup is story.html's, which calls this tag.
CARD_IMAGE_SIZES = {
    True: "(min-width: 64rem) 40rem, 100vw",  # a lead card's picture
    False: "(min-width: 40rem) 12rem, 7rem",
}


@register.simple_tag(takes_context=True)
def draw_card(
    context: dict[str, Any], card: Card, lead: Any = False, eager: Any = False, result: Any = None
) -> SafeString:
    """One item of a list (``articles.site.cards.Card``): its picture, headline, outlet
    and time, and the other outlets of its story; a search ``result`` puts its
    highlighted title and snippet in. Every value escaped as the template did.

    Only the feed's own text (headline, snippet) takes its own direction (``dir="auto"``);
    the byline, its date and our labels follow the page's, or a date under a French
    headline on an Arabic page would read backwards ("28 2025 دجنبر")."""
    article, url = card.article, _esc(card.url)
    outlet = article.outlet
    link = card.link
    media = _card_media(context, link.image, url, bool(lead), bool(eager)) if link else ""
    title = _esc(result.title if result else card.title)
    published = article.published_at
    snippet = getattr(result, "snippet", None) if result else None
    snippet = (
        f'<p class="story-snippet" dir="auto" lang="{_esc(article.language)}">{_esc(snippet)}</p>'
        if snippet
        else ""
    )
    return mark_safe(  # noqa: S308 (data escaped; our translations as {% translate %} leaves them)
        f'<article class="story{" story-lead" if lead else ""}">\n  {media}\n'
        '  <div class="story-text">\n'
        f'    <h3 class="story-title" dir="auto" lang="{_esc(card.language)}">'
        f'<a href="{url}">{title}</a></h3>\n'
        f'    <p class="byline"><a href="{_esc(outlet.get_absolute_url())}">'
        f"<bdi>{_esc(outlet.display_name)}</bdi></a> · "
        f'<time datetime="{_esc(machine_time(published))}">'
        f"{_esc(relative_time(published))}</time></p>\n"
        f"    {snippet}\n    {_card_others(card, url)}\n  </div>\n</article>"
    )


def _esc(value: Any) -> str:
    """``conditional_escape`` without its lazy-string wrapper (a card escapes twenty
    values): safe strings as they are, anything else escaped."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


def _card_media(context: dict[str, Any], image: Any, url: str, lead: bool, eager: bool) -> str:
    width, height = (
        (image.copy_width, image.copy_height)
        if lead
        else (image.thumbnail_width, image.thumbnail_height)
    )
    size = f'width="{_esc(width)}" height="{_esc(height)}"'
    if image.is_hidden:
        inner = (
            f'<img class="hidden-image" src="{_esc(static("img/hidden.svg"))}" {size}'
            f' alt="{_esc(image.hidden_reason)}" loading="lazy">'
        )
    else:
        src = (image.copy if lead else image.thumbnail).url
        loading = ' fetchpriority="high"' if eager else ' loading="lazy"'
        inner = (
            f'<a href="{url}" tabindex="-1" aria-hidden="true"><img src="{_esc(src)}" {size}'
            f' sizes="{CARD_IMAGE_SIZES[lead]}" srcset="{_esc(srcset(image))}" alt=""{loading}'
            ' decoding="async"></a>\n'
            f'    <a class="report-image" href="{_esc(report_link(context, image))}"'
            ' rel="nofollow" data-report-image>'
            f'<span class="visually-hidden">{_("الإبلاغ عن الصورة")}</span></a>'
        )
    return f'<div class="story-media">{inner}</div>'


def _card_others(card: Card, url: str) -> str:
    """(``url`` escaped.) Translations unescaped, as ``{% translate %}`` leaves them."""
    if not card.others:
        return ""
    bidi = translation.get_language_bidi()
    count = len(card.others)
    label = ngettext("ومنبر آخر:", "و %(counter)s منابر أخرى:", count) % {"counter": count}
    everything = (
        f' · <a class="also-all" href="{url}">{_("التغطية الكاملة")}</a>' if card.story else ""
    )
    return (
        f'<p class="also" dir="{"rtl" if bidi else "ltr"}">{label} '
        f"{outlet_links(card.others, bidi)}{everything}</p>"
    )


@register.simple_tag
def ticker_items(headlines: Iterable[Headline]) -> SafeString:
    """The ticker's items (``includes/ticker.html``): a story's headline and its
    number of outlets, or an article's and its outlet; drawn here for the same
    reason as the cards (sixty items, a dozen template variables each)."""
    items = []
    for headline in headlines:
        if headline.story_id:
            count = headline.outlet_count or 0
            after = ngettext("منبر واحد", "%(counter)s منابر", count) % {"counter": count}
        else:
            after = f"<bdi>{_esc(headline.outlet_display_name)}</bdi>"
        items.append(
            f'<li><a href="{_esc(headline.url)}"><bdi lang="{_esc(headline.language)}">'
            f"{_esc(headline.title)}</bdi> - {after}</a></li>\n      "
        )
    return mark_safe("".join(items))  # noqa: S308 (data escaped; our translations as {% translate %} leaves them)
