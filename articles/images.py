"""Our own copies of the pictures outlets publish: fetched once, verified, resized.

Pages never hotlink: hotlinking leaks readers' addresses to every outlet, breaks on
hotlink protection, sends multi-megabyte originals to phones and leaves moderation no
control. ``copy_image`` downloads an image through the guarded client (Referer = the
article), lets Pillow open it with a pixel cap and only the JPEG, PNG, WebP and GIF
decoders (content decides, never the name or header), and stores a ~1200 px copy and a
~400 px thumbnail as WebP, without metadata, named after the content hash so the same
bytes are stored once. It records the outcome on the ``Image`` row, including a
perceptual hash for moderation, and never raises for a bad image.
"""

from __future__ import annotations

import hashlib
import io
import logging
import struct
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction

import lxml.etree
import lxml.html
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

from articles.fetch import FetchError, fetch_url
from articles.models import ArticleImage, ContentVersion, Image, image_upload_to
from articles.sanitize import without_images
from articles.text import INVISIBLE_CONTROLS

logger = logging.getLogger(__name__)

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
IMAGE_ACCEPT = "image/webp,image/jpeg,image/png,image/gif;q=0.9,*/*;q=0.1"
# Failures that another try cannot fix: not retried.
PERMANENT_CODES = frozenset(
    {"too_large", "too_many_pixels", "not_an_image", "blocked_address", "bad_scheme",
     "bad_url", "http_400", "http_401", "http_403", "http_404", "http_410", "http_451",
     "too_many_redirects", "bad_redirect", "internal_error", "bad_dimensions",
     "encode_failed"}
)  # fmt: skip
MAX_ATTEMPTS = 5
HASH_SIZE = 8  # dHash of 8x8 = 64 bits
ORIENTATION_TAG = 0x0112
WEBP_METHOD = 2
WEBP_MAX_SIDE = 16383  # the longest side a WebP file can have
# What Pillow raises on files it cannot read: hostile or broken headers and data reach
# parsing code that fails with more than the OSError it documents.
PILLOW_ERRORS = (
    OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError, KeyError,
    TypeError, ZeroDivisionError, OverflowError,
)  # fmt: skip

Downloader = Callable[[str, str], bytes]


class ImageError(Exception):
    """An image could not be copied; ``code`` is short and safe to show to staff."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    @property
    def is_permanent(self) -> bool:
        return self.code in PERMANENT_CODES


@dataclass(frozen=True)
class Rendition:
    data: bytes
    width: int
    height: int


@dataclass(frozen=True)
class Picture:
    """A verified image and what we make of it."""

    width: int
    height: int
    sha256: str
    phash: str
    copy: Rendition
    thumbnail: Rendition
    plain: bool = False
    tone: str = ""


@dataclass(frozen=True)
class CopyResult:
    image_id: int
    status: str
    error_code: str = ""
    should_retry: bool = False


def fetch_image(url: str, referer: str) -> bytes:
    """Download an image through the guarded client, under the image limits."""
    try:
        response = fetch_url(
            url, referer=referer, accept=IMAGE_ACCEPT, max_bytes=settings.IMAGE_MAX_BYTES,
            timeout=settings.IMAGE_TIMEOUT_SECONDS,
        )  # fmt: skip
    except FetchError as error:
        raise ImageError(error.code) from error
    return response.body


def process_image(data: bytes, *, fast: bool = True) -> Picture:
    """Verify ``data`` as a raster image and make the copy and the thumbnail.

    Every failure is an ``ImageError``: ``not_an_image`` for what Pillow cannot read,
    ``too_many_pixels`` over the pixel cap, ``bad_dimensions`` for a strip so thin that
    a rendition would be less than a pixel across (see ``_fit``), ``encode_failed`` if
    a decoded picture cannot be written as WebP.

    ``fast`` lets the JPEG decoder decode at a reduced scale (``Image.draft``) and the
    resizer shrink by whole factors first (``reducing_gap``); bench/images.py compares
    both paths.
    """
    copy_width = settings.IMAGE_COPY_WIDTH
    with warnings.catch_warnings():
        warnings.simplefilter("error", PILImage.DecompressionBombWarning)
        try:
            source = PILImage.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
        except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as error:
            raise ImageError("too_many_pixels") from error
        except (UnidentifiedImageError, *PILLOW_ERRORS) as error:
            raise ImageError("not_an_image") from error
        width, height = source.size
        if width * height > settings.IMAGE_MAX_PIXELS or width < 1 or height < 1:
            raise ImageError("too_many_pixels")
        try:
            turned = _turned(source)
        except PILLOW_ERRORS as error:
            raise ImageError("not_an_image") from error
        # Both sizes before decoding (a JPEG or a GIF at least: reading a PNG's EXIF may
        # decode it), so a strip we refuse costs little.
        copy_size = _fit((height, width) if turned else (width, height), copy_width)
        thumbnail_size = _fit(copy_size, settings.IMAGE_THUMBNAIL_WIDTH)
        try:
            if fast and source.format == "JPEG":
                # Decode at 1/2, 1/4 or 1/8 scale when that still covers the copy.
                source.draft("RGB", copy_size[::-1] if turned else copy_size)
            source.seek(0)  # the first frame of an animation
            picture = ImageOps.exif_transpose(source)
            picture = picture.convert("RGBA" if _has_alpha(picture) else "RGB")
        except PILLOW_ERRORS as error:
            raise ImageError("not_an_image") from error
    try:
        # To the sizes computed from the original, not from a draft's rounded one.
        copy = _scale(picture, copy_size, fast)
        thumbnail = _scale(copy, thumbnail_size, fast)
        plain, tone = picture_traits(thumbnail)
        phash = perceptual_hash(copy)
        copy_rendition, thumbnail_rendition = _encode(copy), _encode(thumbnail)
    except PILLOW_ERRORS as error:
        raise ImageError("encode_failed") from error
    return Picture(
        width=width, height=height, sha256=hashlib.sha256(data).hexdigest(), phash=phash,
        copy=copy_rendition, thumbnail=thumbnail_rendition, plain=plain, tone=tone,
    )  # fmt: skip


def _turned(source: PILImage.Image) -> bool:
    """Whether the EXIF orientation swaps width and height (orientations 5-8), as
    ``ImageOps.exif_transpose`` will."""
    return source.getexif().get(ORIENTATION_TAG, 1) in (5, 6, 7, 8)


def _fit(size: tuple[int, int], width: int) -> tuple[int, int]:
    """``size`` scaled down (never up), keeping its aspect ratio, to at most ``width``
    wide and at most WEBP_MAX_SIDE on either side. A picture so thin that a side would
    round to 0 px (a strip of about 2400:1 or more for the copy, 800:1 wide for the
    thumbnail, 32766:1 tall) is refused as ``bad_dimensions``: stretching that side to
    1 px would distort it, and there is no picture left to show."""
    if size[0] < 1 or size[1] < 1:
        raise ImageError("bad_dimensions")
    box = min(width, WEBP_MAX_SIDE)
    scale = min(Fraction(1), Fraction(box, size[0]), Fraction(WEBP_MAX_SIDE, size[1]))
    fitted = (round(size[0] * scale), round(size[1] * scale))
    if fitted[0] < 1 or fitted[1] < 1:
        raise ImageError("bad_dimensions")
    return fitted


def _draft_size(source: PILImage.Image, width: int) -> tuple[int, int]:
    """The smallest decoded size that still gives the copy ``width`` wide (``_fit``)
    once the EXIF orientation is applied (orientations 5-8 swap width and height)."""
    raw_width, raw_height = source.size
    if _turned(source):
        return _fit((raw_height, raw_width), width)[::-1]
    return _fit((raw_width, raw_height), width)


def _has_alpha(picture: PILImage.Image) -> bool:
    return picture.mode in ("RGBA", "LA", "PA") or (
        picture.mode == "P" and "transparency" in picture.info
    )


def _resize(picture: PILImage.Image, width: int, fast: bool) -> PILImage.Image:
    """``picture`` scaled down to ``_fit`` ``width``."""
    return _scale(picture, _fit(picture.size, width), fast)


def _scale(picture: PILImage.Image, size: tuple[int, int], fast: bool) -> PILImage.Image:
    if picture.size == size:
        return picture
    return picture.resize(size, PILImage.Resampling.LANCZOS, reducing_gap=2.0 if fast else None)


def _encode(picture: PILImage.Image) -> Rendition:
    """WebP, with no EXIF, XMP or ICC data carried over (GPS and camera data gone)."""
    buffer = io.BytesIO()
    # method 2 of 0-6: 0.44x the time of the default 4, files 5 % larger, 0.2 dB PSNR
    # less (bench/images.py); encoding is two thirds of a copy's cost.
    picture.save(buffer, "WEBP", quality=settings.IMAGE_QUALITY, method=WEBP_METHOD)
    return Rendition(buffer.getvalue(), picture.width, picture.height)


def perceptual_hash(picture: PILImage.Image) -> str:
    """64-bit difference hash (dHash) as 16 hex digits: close for the same picture
    re-encoded or resized, far for different pictures. Compare with ``hash_distance``."""
    small = picture.convert("L").resize((HASH_SIZE + 1, HASH_SIZE), PILImage.Resampling.LANCZOS)
    pixels = small.tobytes()
    bits = 0
    for row in range(HASH_SIZE):
        for col in range(HASH_SIZE):
            left = pixels[row * (HASH_SIZE + 1) + col]
            right = pixels[row * (HASH_SIZE + 1) + col + 1]
            bits = (bits << 1) | (left > right)
    return f"{bits:016x}"


PLAIN_SHARE = 0.55  # of the pixels in one colour bucket: a plain picture
TONE_DISTANCE = 48  # largest RGB distance between two look-alikes' average colours


def picture_traits(picture: PILImage.Image) -> tuple[bool, str]:
    """Whether a picture is plain (most of it one colour, or very few colours: a logo
    or an emblem on a plain ground, a banner, a placeholder), and its average colour as
    six hex digits. dHash sees only shapes in grey, so two different plain pictures, or
    the same badge in red and in blue, look alike to it; these two traits keep them apart."""
    data = picture.convert("RGB").resize((32, 32), PILImage.Resampling.BILINEAR).tobytes()
    pixels = [(data[i], data[i + 1], data[i + 2]) for i in range(0, len(data), 3)]
    buckets: dict[tuple[int, int, int], int] = {}
    totals = [0, 0, 0]
    for red, green, blue in pixels:
        key = (red >> 5, green >> 5, blue >> 5)
        buckets[key] = buckets.get(key, 0) + 1
        totals[0] += red
        totals[1] += green
        totals[2] += blue
    count = len(pixels)
    plain = max(buckets.values()) / count >= PLAIN_SHARE or len(buckets) <= 4
    tone = "".join(f"{total // count:02x}" for total in totals)
    return plain, tone


def same_tone(first: str, second: str) -> bool:
    """Whether two average colours (``picture_traits``) could be one picture's."""
    try:
        a, b = bytes.fromhex(first), bytes.fromhex(second)
    except ValueError:
        return False
    if len(a) != 3 or len(b) != 3:
        return False
    return sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) <= TONE_DISTANCE**2


def is_distinctive(phash: str) -> bool:
    """Whether a perceptual hash says enough about its picture to match look-alikes by:
    a flat or nearly flat picture (a blank placeholder, a solid banner, a logo on a
    plain ground) has rows of all-equal bits, and two of those look alike to dHash
    whatever they show."""
    try:
        bits = int(phash, 16)
    except ValueError:
        return False
    rows = [(bits >> (8 * n)) & 0xFF for n in range(HASH_SIZE)]
    varied_rows = sum(1 for row in rows if row not in (0x00, 0xFF))
    return varied_rows >= HASH_SIZE - 2 and 12 <= bits.bit_count() <= 52


def hash_distance(first: str, second: str) -> int:
    """Number of differing bits between two perceptual hashes (0 = same picture)."""
    return (int(first, 16) ^ int(second, 16)).bit_count()


def copy_image(image_id: int, *, download: Downloader = fetch_image) -> CopyResult:
    """Make our copy of one image and record the outcome on its row. Idempotent: a
    stored image is left alone, and bytes already stored under another URL are reused.

    ``download`` is the stage that gets the bytes; the offline demo passes one that
    reads its bundled files, everything after it is the same code.
    """
    image = Image.objects.get(id=image_id)
    if image.status == Image.Status.STORED:
        return CopyResult(image.id, image.status)
    Image.objects.filter(id=image.id).update(
        attempts=F("attempts") + 1, attempted_at=timezone.now()
    )
    try:
        data = download(image.url, _referer(image))
        twin = Image.objects.stored().filter(sha256=hashlib.sha256(data).hexdigest()).first()
        if twin is not None:
            # One transaction: a copy of a hidden picture is never public, even briefly.
            with transaction.atomic():
                result = _record_twin(image, twin, len(data))
                _follow_moderation(image.id)
            return result
        picture = process_image(data)
    except ImageError as error:
        return _record_failure(image, error)
    except Exception:
        # Pillow raises more kinds of errors on hostile files than it documents; and a
        # bug is a bug. Record it (staff can copy again) and let the worker go on.
        logger.exception("copy of image %s crashed", image.id)
        return _record_failure(image, ImageError("internal_error"))
    with transaction.atomic():
        result = _record_copy(image, picture, len(data))
        _follow_moderation(image.id)
    return result


def _follow_moderation(image_id: int) -> None:
    """A new copy of a picture staff or readers hid is hidden too."""
    from articles.moderation import follow_hidden  # moderation builds on this module

    follow_hidden(image_id)


def stranded_image_ids(limit: int = 100) -> list[int]:
    """Pending images that no task will copy any more; see ImageQuerySet.stranded."""
    stranded = Image.objects.stranded(timezone.now(), MAX_ATTEMPTS).order_by("id")
    return list(stranded.values_list("id", flat=True)[:limit])


def _referer(image: Image) -> str:
    """The article page the image appears on, as outlets that check Referer expect."""
    url = (
        ArticleImage.objects.filter(image=image)
        .exclude(article__url="")
        .order_by("article_id")
        .values_list("article__url", flat=True)
        .first()
    )
    return url or ""


def _record_copy(image: Image, picture: Picture, byte_size: int) -> CopyResult:
    copy_name = _store(f"{picture.sha256}-{picture.copy.width}.webp", picture.copy.data)
    thumbnail_name = _store(
        f"{picture.sha256}-{picture.thumbnail.width}.webp", picture.thumbnail.data
    )
    Image.objects.filter(id=image.id).update(
        status=Image.Status.STORED, error_code="", copied_at=timezone.now(),
        width=picture.width, height=picture.height, byte_size=byte_size,
        sha256=picture.sha256, phash=picture.phash, plain=picture.plain, tone=picture.tone,
        copy=copy_name, copy_width=picture.copy.width, copy_height=picture.copy.height,
        copy_byte_size=len(picture.copy.data), thumbnail=thumbnail_name,
        thumbnail_width=picture.thumbnail.width, thumbnail_height=picture.thumbnail.height,
    )  # fmt: skip
    ContentVersion.objects.bump()
    return CopyResult(image.id, Image.Status.STORED)


def _record_twin(image: Image, twin: Image, byte_size: int) -> CopyResult:
    """The same bytes are already stored for another URL: share its files."""
    Image.objects.filter(id=image.id).update(
        status=Image.Status.STORED, error_code="", copied_at=timezone.now(),
        width=twin.width, height=twin.height, byte_size=byte_size, sha256=twin.sha256,
        phash=twin.phash, plain=twin.plain, tone=twin.tone, copy=twin.copy.name,
        copy_width=twin.copy_width,
        copy_height=twin.copy_height, copy_byte_size=twin.copy_byte_size,
        thumbnail=twin.thumbnail.name,
        thumbnail_width=twin.thumbnail_width, thumbnail_height=twin.thumbnail_height,
    )  # fmt: skip
    ContentVersion.objects.bump()
    return CopyResult(image.id, Image.Status.STORED)


def _record_failure(image: Image, error: ImageError) -> CopyResult:
    attempts = image.attempts + 1
    retry = not error.is_permanent and attempts < MAX_ATTEMPTS
    status = Image.Status.PENDING if retry else Image.Status.FAILED
    Image.objects.filter(id=image.id).update(status=status, error_code=error.code)
    logger.info("copy of image %s failed: %s", image.id, error.code)
    return CopyResult(image.id, status, error.code, should_retry=retry)


def _store(name: str, data: bytes) -> str:
    """Save under a name derived from the content; bytes already there are not written
    again. Returns the storage name."""
    path = default_storage.generate_filename(image_upload_to(None, name))
    if default_storage.exists(path):
        return path
    return default_storage.save(path, ContentFile(data))


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


@dataclass(frozen=True)
class BodyImages:
    """How a page shows a body's images: our copies by original URL, and for hidden
    ones a placeholder; ``report_href`` gives each shown image its report link."""

    by_url: Mapping[str, Image]
    placeholder_src: str = ""
    placeholder_alt: str = ""
    report_href: Callable[[Image], str] | None = None
    report_text: str = ""


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
            continue
        alt = img.get("alt") or ""
        img.attrib.clear()
        enclosing = _outermost_link(img)
        if image.is_hidden and enclosing is not None:
            # The outlet's link around the picture (often to the full-size file) goes too.
            enclosing.drop_tag()
            enclosing = None
        if image.is_hidden:
            if not shown.placeholder_src:
                img.drop_tree()
                continue
            img.attrib.update(
                {"src": shown.placeholder_src, "width": str(image.copy_width),
                 "height": str(image.copy_height), "alt": "", "class": "hidden-image",
                 "loading": "lazy"}
            )  # fmt: skip
            # The reason is shown on the placeholder, as for a hidden lead.
            box = lxml.html.Element("span", {"class": "hidden-image-box"})
            label = lxml.html.Element("span", {"class": "hidden-image-label"})
            label.text = shown.placeholder_alt
            img.addprevious(box)
            box.tail, img.tail = img.tail, None
            box.append(img)
            box.append(label)
            continue
        img.attrib.update(
            {"src": image.copy.url, "width": str(image.copy_width),
             "height": str(image.copy_height), "alt": alt, "loading": "lazy",
             "decoding": "async"}
        )  # fmt: skip
        if shown.report_href is not None:
            link = lxml.html.Element(
                "a", {"class": "report-link", "href": shown.report_href(image),
                      "rel": "nofollow", "data-report-image": ""},
            )  # fmt: skip
            link.text = shown.report_text
            caption = _caption_of(img)
            if caption is not None:
                # In a figure, the link closes its caption: picture and caption stay
                # together.
                caption.append(link)
                link.addprevious(lxml.html.Element("br"))
                continue
            # After the outlet's own link, if the picture is inside one: no nested links.
            anchor = enclosing if enclosing is not None else img
            link.tail, anchor.tail = anchor.tail, None
            anchor.addnext(link)
    # Serialise the wrapper (so its text is escaped too) and drop its tags. lxml decodes
    # references the sanitizer never saw in an old body ("&#8"): no control comes out.
    html = str(lxml.html.tostring(root, encoding="unicode"))[len("<div>") : -len("</div>")]
    return INVISIBLE_CONTROLS.sub("", html)
