"""What an article page shows of a stored body: our copies in place of the outlet's
pictures, hidden pictures as their placeholder, report links beside each picture.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import lxml.etree
import lxml.html

from articles.lib.html import without_images
from articles.lib.text import INVISIBLE_CONTROLS
from articles.models import Image


def _outermost_link(element: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    found = None
    for ancestor in element.iterancestors("a"):
        found = ancestor
    return found


def _caption_of(img: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The caption of the figure ``img`` is the picture of, if it has one."""
    for figure in img.iterancestors("figure"):
        captions = figure.findall("figcaption")
        return captions[0] if captions and len(figure.findall(".//img")) == 1 else None
    return None


def _copy_path(image: Image) -> str:
    return str(image.copy.url)


@dataclass(frozen=True)
class BodyImages:
    """How a page shows a body's images: our copies by original URL, and for hidden
    ones a placeholder; ``report_href`` gives each shown image its report link, and
    ``copy_url`` the address of our copy (relative on our pages, absolute in the API)."""

    by_url: Mapping[str, Image]
    placeholder_src: str = ""
    report_href: Callable[[Image], str] | None = None
    report_text: str = ""
    copy_url: Callable[[Image], str] = _copy_path


def render_body(body_html: str, images: Mapping[str, Image] | BodyImages) -> str:
    """The article body as a page shows it: each ``<img>`` points at our copy, with its
    size and lazy loading, keeping its alt text; an image we have no copy of (pending,
    failed, unknown) is removed; a hidden one becomes the placeholder, at its size.

    The input is the sanitized body; this adds only attributes and links we computed.
    """
    if "<img" not in body_html:
        return INVISIBLE_CONTROLS.sub("", body_html)  # what a body stored long ago may hold
    shown = images if isinstance(images, BodyImages) else BodyImages(images)
    try:
        root = lxml.html.fragment_fromstring(
            INVISIBLE_CONTROLS.sub("", body_html), create_parent="div"
        )
    except (lxml.etree.ParserError, ValueError, AssertionError, IndexError):
        # lxml asserts on a fragment that is a whole document ("<!doctype><title>"),
        # an IndexError under python -O. Never the outlet's own <img> tags: without
        # our copies, no images at all.
        return without_images(body_html)
    for img in list(root.iter("img")):
        image = shown.by_url.get(img.get("src") or "")
        if image is None or image.status != Image.Status.STORED or not image.copy:
            img.drop_tree()
        elif image.is_hidden:
            _show_placeholder(img, image, shown)
        else:
            _show_copy(img, image, shown)
    # Serialise the wrapper (so its text is escaped too) and drop its tags. lxml decodes
    # references the sanitizer never saw in an old body ("&#8"): no control comes out.
    html = str(lxml.html.tostring(root, encoding="unicode"))[len("<div>") : -len("</div>")]
    return INVISIBLE_CONTROLS.sub("", html)


def _show_placeholder(img: lxml.html.HtmlElement, image: Image, shown: BodyImages) -> None:
    """A hidden picture: the placeholder at its size, with the reason beside it; the
    outlet's link around the picture (often to the full-size file) goes too."""
    enclosing = _outermost_link(img)
    if enclosing is not None:
        enclosing.drop_tag()
    if not shown.placeholder_src:
        img.drop_tree()
        return
    img.attrib.clear()
    img.attrib.update(
        {"src": shown.placeholder_src, "width": str(image.copy_width),
         "height": str(image.copy_height), "alt": "", "class": "hidden-image",
         "loading": "lazy"}
    )  # fmt: skip
    # The reason (readers' reports or staff's decision) is shown on the placeholder, as
    # for a hidden lead.
    box = lxml.html.Element("span", {"class": "hidden-image-box"})
    label = lxml.html.Element("span", {"class": "hidden-image-label"})
    label.text = image.hidden_reason
    img.addprevious(box)
    box.tail, img.tail = img.tail, None
    box.append(img)
    box.append(label)


def _show_copy(img: lxml.html.HtmlElement, image: Image, shown: BodyImages) -> None:
    """Our copy in place of the outlet's picture, with its report link."""
    alt = img.get("alt") or ""
    img.attrib.clear()
    img.attrib.update(
        {"src": shown.copy_url(image), "width": str(image.copy_width),
         "height": str(image.copy_height), "alt": alt, "loading": "lazy",
         "decoding": "async"}
    )  # fmt: skip
    if shown.report_href is None:
        return
    link = lxml.html.Element(
        "a", {"class": "report-link", "href": shown.report_href(image),
              "rel": "nofollow", "data-report-image": ""},
    )  # fmt: skip
    link.text = shown.report_text
    caption = _caption_of(img)
    if caption is not None:
        # In a figure, the link closes its caption: picture and caption stay together.
        caption.append(link)
        link.addprevious(lxml.html.Element("br"))
        return
    # After the outlet's own link, if the picture is inside one: no nested links.
    enclosing = _outermost_link(img)
    anchor = enclosing if enclosing is not None else img
    link.tail, anchor.tail = anchor.tail, None
    anchor.addnext(link)
