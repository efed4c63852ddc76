"""Our copies of outlets' images (articles/images.py) against a local image server.

Every image is generated here with Pillow and served by pytest-httpserver to the real
guarded client; rows come from a real ingest of a small feed, so each image has the
article (and the Referer) it appears on. MEDIA_ROOT points at the test's tmp_path, so
nothing is ever written into var/.
"""

from __future__ import annotations

import hashlib
import io
import random
import socket
import struct
import tracemalloc
import zlib
from pathlib import Path

import lxml.html
import pytest
from celery.exceptions import Retry
from django.core.files.storage import default_storage
from PIL import ExifTags, ImageDraw, ImageFilter
from PIL import Image as PILImage
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from articles import tasks
from articles.images.copy import MAX_ATTEMPTS, copy_image
from articles.images.likeness import hash_distance
from articles.images.picture import process_image
from articles.models import Image
from articles.site.body import render_body
from tests.support.images import ARTICLE_URL, assert_refused, open_stored, stored_files

pytestmark = pytest.mark.django_db


# --- generated pictures ---------------------------------------------------------------


def photo(seed: int, size: tuple[int, int] = (1600, 900)) -> PILImage.Image:
    """A photo-like picture: a rotated two-colour gradient, blurred shapes and noise."""
    rng = random.Random(seed)
    width, height = size
    small = (max(1, width // 8), max(1, height // 8))
    start = [rng.randrange(256) for _ in range(3)]
    end = [rng.randrange(256) for _ in range(3)]
    ramp = PILImage.linear_gradient("L").rotate(rng.uniform(0, 360)).resize(small)
    picture = PILImage.merge(
        "RGB",
        [
            ramp.point(lambda v, a=a, b=b: a + (b - a) * v // 255)
            for a, b in zip(start, end, strict=True)
        ],
    )
    draw = ImageDraw.Draw(picture)
    for _ in range(12):
        x, y = rng.randrange(small[0]), rng.randrange(small[1])
        r = rng.randrange(2, max(3, small[1] // 2))
        colour = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        else:
            draw.rectangle((x - r, y - r // 2, x + r, y + r // 2), fill=colour)
    picture = picture.resize(size, PILImage.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(2))
    noise = PILImage.frombytes("L", size, rng.randbytes(width * height)).convert("RGB")
    return PILImage.blend(picture, noise, 0.08)


def encode(picture: PILImage.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    if fmt == "PNG":
        options.setdefault("compress_level", 1)
    picture.save(buffer, fmt, **options)
    return buffer.getvalue()


def jpeg(seed: int = 1, size: tuple[int, int] = (1600, 900), **options: object) -> bytes:
    return encode(photo(seed, size), "JPEG", quality=options.pop("quality", 88), **options)


def png_with_alpha() -> bytes:
    picture = photo(2, (1600, 900)).convert("RGBA")
    # Opaque on the left, fading to fully transparent on the right.
    alpha = PILImage.linear_gradient("L").rotate(90).resize(picture.size)
    picture.putalpha(alpha)
    return encode(picture, "PNG")


def webp() -> bytes:
    return encode(photo(3, (1000, 560)), "WEBP", quality=85)


RED, BLUE = (220, 30, 30), (30, 30, 220)


def animated_gif() -> bytes:
    """Two frames: the first red with shapes in the middle, the second blue."""
    frames = []
    for colour in (RED, BLUE):
        frame = PILImage.new("RGB", (800, 450), colour)
        ImageDraw.Draw(frame).ellipse((300, 120, 500, 330), fill=(240, 240, 240))
        frames.append(frame.convert("P", palette=PILImage.Palette.ADAPTIVE))
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


def png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def png_bomb(width: int, height: int) -> bytes:
    """A PNG header claiming ``width`` x ``height`` RGB pixels, with only a few rows of
    (compressed) zeros behind it: a few kilobytes that would decode to gigabytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(bytes(1 + width * 3) * 4, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", rows)
        + png_chunk(b"IEND", b"")
    )


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="600" height="400">'
    b"<script>alert(document.cookie)</script>"
    b'<rect width="600" height="400" fill="red"/></svg>'
)
HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Not found</title></head>"
    b"<body><script>alert(1)</script><p>photo.jpg</p></body></html>"
)


# --- the image server -----------------------------------------------------------------


def serve(httpserver: HTTPServer, path: str, data: bytes, content_type: str, **kw: object) -> str:
    httpserver.expect_request(path).respond_with_data(data, content_type=content_type, **kw)
    return httpserver.url_for(path)


def paths_seen(httpserver: HTTPServer) -> list[str]:
    return [request.path for request, _response in httpserver.log]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- stored copies --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "content_type", "size"),
    [
        (lambda: jpeg(1), "image/jpeg", (1600, 900)),
        (png_with_alpha, "image/png", (1600, 900)),
        (webp, "image/webp", (1000, 560)),
        (animated_gif, "image/gif", (800, 450)),
    ],
    ids=["jpeg", "png_alpha", "webp", "animated_gif"],
)
def test_image_is_stored_as_webp_copy_and_thumbnail(
    httpserver: HTTPServer, article_image, media_root: Path, make, content_type, size
) -> None:
    data = make()
    image = article_image(serve(httpserver, "/uploads/photo", data, content_type))

    result = copy_image(image.id)

    image.refresh_from_db()
    assert (result.status, result.error_code, result.should_retry) == ("stored", "", False)
    assert (image.status, image.error_code, image.attempts) == ("stored", "", 1)
    assert (image.width, image.height) == size
    assert image.byte_size == len(data)
    assert image.sha256 == hashlib.sha256(data).hexdigest()
    assert len(image.phash) == 16 and int(image.phash, 16) >= 0
    assert image.copied_at is not None
    copy, thumbnail = open_stored(image.copy.name), open_stored(image.thumbnail.name)
    copy_width = min(1200, size[0])
    assert (copy.format, copy.width) == ("WEBP", copy_width)
    assert abs(copy.height - size[1] * copy_width / size[0]) <= 1
    assert (image.copy_width, image.copy_height) == copy.size
    assert (thumbnail.format, thumbnail.width) == ("WEBP", 400)
    assert abs(thumbnail.height - size[1] * 400 / size[0]) <= 1
    assert (image.thumbnail_width, image.thumbnail_height) == thumbnail.size
    assert image.sha256 in image.copy.name and image.copy.name.endswith(".webp")
    assert stored_files(media_root) == sorted([image.copy.name, image.thumbnail.name])


def test_png_transparency_is_kept_in_the_copy(httpserver: HTTPServer, article_image) -> None:
    image = article_image(serve(httpserver, "/logo.png", png_with_alpha(), "image/png"))

    copy_image(image.id)

    image.refresh_from_db()
    copy = open_stored(image.copy.name)
    assert copy.mode == "RGBA"
    low, high = copy.getchannel("A").getextrema()
    assert low < 30 and high > 225


def test_animated_gif_keeps_its_first_frame(httpserver: HTTPServer, article_image) -> None:
    image = article_image(serve(httpserver, "/anim.gif", animated_gif(), "image/gif"))

    copy_image(image.id)

    image.refresh_from_db()
    red, green, blue = open_stored(image.copy.name).convert("RGB").getpixel((10, 10))
    assert red > 180 and green < 70 and blue < 70


def test_exif_and_gps_are_not_carried_into_the_copies(
    httpserver: HTTPServer, article_image
) -> None:
    exif = PILImage.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "EOS 5D"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (33.0, 35.0, 22.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (7.0, 36.0, 41.0)
    data = encode(photo(4), "JPEG", quality=88, exif=exif)
    original = PILImage.open(io.BytesIO(data))
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
    image = article_image(serve(httpserver, "/gps.jpg", data, "image/jpeg"))

    copy_image(image.id)

    image.refresh_from_db()
    assert image.status == "stored"
    for name in (image.copy.name, image.thumbnail.name):
        stored = open_stored(name)
        assert dict(stored.getexif()) == {}
        assert "exif" not in stored.info and "xmp" not in stored.info
        with default_storage.open(name, "rb") as raw:
            body = raw.read()
        assert b"Canon" not in body and b"EXIF" not in body and b"Exif" not in body


def test_exif_rotated_portrait_comes_out_upright(httpserver: HTTPServer, article_image) -> None:
    # Stored sideways (1600 x 900) with orientation 6: shown rotated 90 degrees clockwise,
    # so the raw top edge (painted red) must end up on the right of a 900 x 1600 picture.
    raw = photo(5)
    ImageDraw.Draw(raw).rectangle((0, 0, 1599, 119), fill=RED)
    exif = PILImage.Exif()
    exif[ExifTags.Base.Orientation] = 6
    image = article_image(
        serve(
            httpserver, "/portrait.jpg", encode(raw, "JPEG", quality=90, exif=exif), "image/jpeg"
        )
    )

    copy_image(image.id)

    image.refresh_from_db()
    copy = open_stored(image.copy.name).convert("RGB")
    assert image.status == "stored"
    assert copy.height > copy.width
    assert copy.size == (900, 1600) == (image.copy_width, image.copy_height)
    right = copy.getpixel((copy.width - 20, copy.height // 2))
    left = copy.getpixel((20, copy.height // 2))
    assert right[0] > 180 and right[1] < 80 and right[2] < 80
    assert not (left[0] > 180 and left[1] < 80 and left[2] < 80)
    thumbnail = open_stored(image.thumbnail.name)
    assert thumbnail.width == 400 and thumbnail.height > thumbnail.width


# --- refused images -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "height"),
    [(50_000, 50_000), (8_000, 6_000)],  # Pillow's own bomb limit; our 40 MP setting
    ids=["2500_megapixels", "48_megapixels"],
)
def test_png_bomb_is_refused_too_many_pixels_with_bounded_memory(
    httpserver: HTTPServer, article_image, media_root: Path, width: int, height: int
) -> None:
    data = png_bomb(width, height)
    assert len(data) < 200_000
    image = article_image(serve(httpserver, "/bomb.png", data, "image/png"))

    tracemalloc.start()
    try:
        result = copy_image(image.id)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert_refused(image, result, "too_many_pixels", media_root)
    assert peak < 50 * 1024 * 1024
    assert (image.width, image.height) == (None, None)


@pytest.mark.parametrize(
    ("path", "data", "content_type"),
    [
        ("/chart.svg", SVG_WITH_SCRIPT, "image/svg+xml"),
        ("/photo.jpg", HTML_PAGE, "image/jpeg"),
        ("/empty.jpg", b"", "image/jpeg"),
    ],
    ids=["svg_with_script", "html_named_jpg", "empty_body"],
)
def test_non_image_is_refused_not_an_image(
    httpserver: HTTPServer, article_image, media_root: Path, path, data, content_type
) -> None:
    image = article_image(serve(httpserver, path, data, content_type))

    result = copy_image(image.id)

    assert_refused(image, result, "not_an_image", media_root)


def test_truncated_jpeg_is_refused_not_an_image(
    httpserver: HTTPServer, article_image, media_root: Path
) -> None:
    data = jpeg(6)
    image = article_image(serve(httpserver, "/cut.jpg", data[: len(data) // 2], "image/jpeg"))

    result = copy_image(image.id)

    assert_refused(image, result, "not_an_image", media_root)


def _stream_30_mb(request: Request) -> Response:
    chunk = bytes(1024 * 1024)
    return Response((chunk for _ in range(30)), content_type="image/jpeg")


@pytest.mark.parametrize("declared", [True, False], ids=["content_length", "streamed"])
def test_30_mb_body_is_refused_too_large(
    httpserver: HTTPServer, article_image, media_root: Path, declared: bool
) -> None:
    if declared:
        url = serve(
            httpserver, "/huge.jpg", b"\xff\xd8\xff" + bytes(30 * 1024 * 1024), "image/jpeg"
        )
    else:
        httpserver.expect_request("/huge.jpg").respond_with_handler(_stream_30_mb)
        url = httpserver.url_for("/huge.jpg")
    image = article_image(url)

    result = copy_image(image.id)

    assert_refused(image, result, "too_large", media_root)


def test_redirect_to_unspecified_address_is_refused_blocked_address(
    httpserver: HTTPServer, article_image, media_root: Path
) -> None:
    serve(httpserver, "/real.jpg", jpeg(7), "image/jpeg")
    httpserver.expect_request("/photo.jpg").respond_with_data(
        b"", status=302, headers={"Location": f"http://0.0.0.0:{httpserver.port}/real.jpg"}
    )
    image = article_image(httpserver.url_for("/photo.jpg"))

    result = copy_image(image.id)

    assert_refused(image, result, "blocked_address", media_root)
    assert paths_seen(httpserver) == ["/photo.jpg"]


def test_private_address_is_refused_blocked_address_by_default(
    httpserver: HTTPServer, article_image, media_root: Path, settings
) -> None:
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = False
    image = article_image(serve(httpserver, "/photo.jpg", jpeg(7), "image/jpeg"))

    result = copy_image(image.id)

    assert_refused(image, result, "blocked_address", media_root)
    assert paths_seen(httpserver) == []


def test_http_404_fails_and_is_not_retried(
    httpserver: HTTPServer, article_image, media_root: Path
) -> None:
    httpserver.expect_request("/gone.jpg").respond_with_data(b"no", status=404)
    image = article_image(httpserver.url_for("/gone.jpg"))

    result = copy_image(image.id)

    assert_refused(image, result, "http_404", media_root)


# --- network failures -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "code"),
    [("server_busy", "http_503"), ("connection_refused", "connection_refused")],
)
def test_network_failure_stays_pending_until_max_attempts_then_fails(
    httpserver: HTTPServer, article_image, media_root: Path, failure: str, code: str
) -> None:
    if failure == "server_busy":
        httpserver.expect_request("/busy.jpg").respond_with_data(b"busy", status=503)
        url = httpserver.url_for("/busy.jpg")
    else:
        url = f"http://127.0.0.1:{closed_port()}/photo.jpg"
    image = article_image(url)

    for attempt in range(1, MAX_ATTEMPTS):
        result = copy_image(image.id)
        image.refresh_from_db()
        assert (result.status, result.error_code, result.should_retry) == ("pending", code, True)
        assert (image.status, image.error_code, image.attempts) == ("pending", code, attempt)
    last = copy_image(image.id)

    image.refresh_from_db()
    assert (last.status, last.error_code, last.should_retry) == ("failed", code, False)
    assert (image.status, image.error_code, image.attempts) == ("failed", code, MAX_ATTEMPTS)
    assert stored_files(media_root) == []
    if failure == "server_busy":
        assert len(httpserver.log) == MAX_ATTEMPTS


def test_copy_task_retries_a_network_failure_but_not_a_refused_image(
    httpserver: HTTPServer, add_images
) -> None:
    httpserver.expect_request("/busy.jpg").respond_with_data(b"busy", status=503)
    httpserver.expect_request("/gone.jpg").respond_with_data(b"no", status=404)
    busy, gone = add_images(
        (ARTICLE_URL, httpserver.url_for("/busy.jpg")),
        ("https://example.ma/a/2", httpserver.url_for("/gone.jpg")),
    )

    with pytest.raises(Retry):
        tasks.copy_image(busy.id)
    outcome = tasks.copy_image(gone.id)

    assert outcome == {"status": "failed", "error": "http_404"}
    busy.refresh_from_db()
    assert (busy.status, busy.error_code) == ("pending", "http_503")


def test_image_behind_referer_check_is_fetched_with_the_article_url(
    httpserver: HTTPServer, article_image
) -> None:
    data = jpeg(8)

    def hotlink_protected(request: Request) -> Response:
        if request.headers.get("Referer") != ARTICLE_URL:
            return Response(b"hotlinking forbidden", status=403)
        return Response(data, content_type="image/jpeg")

    httpserver.expect_request("/protected.jpg").respond_with_handler(hotlink_protected)
    image = article_image(httpserver.url_for("/protected.jpg"))

    result = copy_image(image.id)

    image.refresh_from_db()
    assert (result.status, image.status) == ("stored", "stored")
    assert image.sha256 == hashlib.sha256(data).hexdigest()
    assert [r.headers.get("Referer") for r, _ in httpserver.log] == [ARTICLE_URL]


def test_worker_goes_on_after_a_failing_image(httpserver: HTTPServer, add_images) -> None:
    data = jpeg(9)
    broken, good = add_images(
        (ARTICLE_URL, serve(httpserver, "/broken.jpg", data[: len(data) // 3], "image/jpeg")),
        ("https://example.ma/a/2", serve(httpserver, "/good.jpg", data, "image/jpeg")),
    )

    results = [copy_image(image.id) for image in (broken, good)]

    broken.refresh_from_db()
    good.refresh_from_db()
    assert [r.status for r in results] == ["failed", "stored"]
    assert (broken.status, broken.error_code) == ("failed", "not_an_image")
    assert (good.status, good.sha256) == ("stored", hashlib.sha256(data).hexdigest())
    assert default_storage.exists(good.copy.name)


# --- idempotency and sharing ----------------------------------------------------------


def test_same_bytes_under_two_urls_are_stored_once(
    httpserver: HTTPServer, add_images, media_root: Path
) -> None:
    data = jpeg(10)
    first, second = add_images(
        (ARTICLE_URL, serve(httpserver, "/2025/12/photo.jpg", data, "image/jpeg")),
        ("https://example.ma/a/2", serve(httpserver, "/cdn/photo-1.jpg", data, "image/jpeg")),
    )

    results = [copy_image(image.id) for image in (first, second)]

    first.refresh_from_db()
    second.refresh_from_db()
    assert [r.status for r in results] == ["stored", "stored"]
    assert (first.status, second.status) == ("stored", "stored")
    assert first.copy.name == second.copy.name
    assert first.thumbnail.name == second.thumbnail.name
    assert (second.copy_width, second.copy_height) == (first.copy_width, first.copy_height)
    assert (second.sha256, second.phash) == (first.sha256, first.phash)
    assert stored_files(media_root) == sorted([first.copy.name, first.thumbnail.name])


def test_copying_a_stored_image_again_downloads_nothing(
    httpserver: HTTPServer, article_image, media_root: Path
) -> None:
    image = article_image(serve(httpserver, "/photo.jpg", jpeg(11), "image/jpeg"))
    copy_image(image.id)
    row = Image.objects.filter(id=image.id).values().get()
    files = stored_files(media_root)

    again = copy_image(image.id)

    assert (again.status, again.should_retry) == ("stored", False)
    assert len(httpserver.log) == 1
    assert Image.objects.filter(id=image.id).values().get() == row
    assert stored_files(media_root) == files


# --- perceptual hash ------------------------------------------------------------------


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_perceptual_hash_is_close_for_the_same_photo_reencoded(seed: int) -> None:
    picture = photo(seed)
    original = process_image(encode(picture, "JPEG", quality=92)).phash
    small = picture.resize((800, 450), PILImage.Resampling.LANCZOS)
    reencoded = process_image(encode(small, "JPEG", quality=40)).phash
    as_png = process_image(encode(picture, "PNG")).phash

    assert hash_distance(original, reencoded) <= 6
    assert hash_distance(original, as_png) <= 4


@pytest.mark.parametrize(("first", "second"), [(31, 32), (33, 34), (35, 36)])
def test_perceptual_hash_is_far_for_different_photos(first: int, second: int) -> None:
    one = process_image(encode(photo(first), "JPEG", quality=85)).phash
    other = process_image(encode(photo(second), "JPEG", quality=85)).phash

    assert hash_distance(one, other) >= 16


def test_hash_distance_counts_differing_bits() -> None:
    assert hash_distance("0000000000000000", "0000000000000000") == 0
    assert hash_distance("0000000000000000", "ffffffffffffffff") == 64
    assert hash_distance("00000000000000ff", "000000000000000f") == 4


# --- rendering ------------------------------------------------------------------------


@pytest.fixture
def rendered_rows(httpserver: HTTPServer, add_images) -> dict[str, Image]:  # type: ignore[no-untyped-def]
    """One stored, one pending and one failed image, each used by an article."""
    serve(httpserver, "/stored.jpg", jpeg(12), "image/jpeg")
    httpserver.expect_request("/failed.jpg").respond_with_data(b"no", status=404)
    stored, pending, failed = add_images(
        (ARTICLE_URL, httpserver.url_for("/stored.jpg")),
        ("https://example.ma/a/2", httpserver.url_for("/pending.jpg")),
        ("https://example.ma/a/3", httpserver.url_for("/failed.jpg")),
    )
    assert copy_image(stored.id).status == "stored"
    assert copy_image(failed.id).status == "failed"
    return {image.url: image for image in Image.objects.all()}


def test_render_body_points_stored_images_at_our_copy_and_drops_the_rest(
    httpserver: HTTPServer, rendered_rows: dict[str, Image], settings
) -> None:
    stored = rendered_rows[httpserver.url_for("/stored.jpg")]
    others = [httpserver.url_for(p) for p in ("/pending.jpg", "/failed.jpg", "/unknown.jpg")]
    assert [rendered_rows[url].status for url in others[:2]] == ["pending", "failed"]
    body = (
        f'<p>قبل الصورة a &lt;b&gt; <img src="{stored.url}" alt="ملعب طنجة" width="20" '
        f'height="10" class="wp-image"> وسط'
        f' <img src="{others[0]}" alt="انتظار"> بين <img src="{others[1]}" alt="فشل">'
        f' <img src="{others[2]}" alt="مجهول"> بعد الصور</p>'
    )

    html = render_body(body, rendered_rows)

    root = lxml.html.fragment_fromstring(html, create_parent="div")
    images = root.findall(".//img")
    assert len(images) == 1
    img = images[0]
    assert img.get("src") == stored.copy.url
    assert img.get("src").startswith(settings.MEDIA_URL)
    assert (img.get("width"), img.get("height")) == (
        str(stored.copy_width),
        str(stored.copy_height),
    )
    assert (img.get("width"), img.get("height")) == ("1200", "675")
    assert img.get("loading") == "lazy"
    assert img.get("alt") == "ملعب طنجة"
    assert img.get("class") is None
    for text in ("قبل الصورة", "وسط", "بين", "بعد الصور"):
        assert text in html
    assert "a &lt;b&gt;" in html and "<b>" not in html
    assert "انتظار" not in html and "مجهول" not in html
    assert not any(url in html for url in [stored.url, *others])


def test_render_body_without_images_keeps_escaped_text() -> None:
    body = "<p>نص a &lt;b&gt; &amp; &lt;script&gt;</p>"

    assert render_body(body, {}) == body


@pytest.mark.django_db
def test_images_whose_copy_task_was_lost_are_found_again() -> None:
    from datetime import timedelta

    from django.utils import timezone

    from articles.images.copy import MAX_ATTEMPTS, stranded_image_ids

    now = timezone.now()

    def image(name: str, **fields: object) -> int:
        return Image.objects.create(url=f"https://example.ma/{name}.jpg", **fields).id

    never_tried = image("never-tried", created_at=now - timedelta(minutes=30))
    image("just-seen", created_at=now - timedelta(minutes=2))
    image("retry-scheduled", attempts=2, attempted_at=now - timedelta(minutes=20))
    abandoned = image("abandoned", attempts=2, attempted_at=now - timedelta(hours=2))
    image("out-of-tries", attempts=MAX_ATTEMPTS, attempted_at=now - timedelta(hours=2))
    image("stored", status=Image.Status.STORED, created_at=now - timedelta(days=1))

    assert stranded_image_ids() == [never_tried, abandoned]


@pytest.mark.django_db
def test_a_crash_while_copying_is_recorded_and_not_retried(article_image) -> None:
    image = article_image("https://example.ma/uploads/crash.jpg")

    def broken_download(url: str, referer: str) -> bytes:
        raise RuntimeError("a bug in a stage of the copy")

    # Fault injection through the download seam: no real image makes our code raise.
    result = copy_image(image.id, download=broken_download)

    image.refresh_from_db()
    assert (image.status, image.error_code) == (Image.Status.FAILED, "internal_error")
    assert result.should_retry is False
