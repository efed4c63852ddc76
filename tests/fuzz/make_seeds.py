"""Write the committed fuzz inputs: small seeds per harness (tests/fuzz/seeds/<name>/)
and the known-bad inputs found so far (tests/fuzz/regressions/<name>/crash-<sha1>).

Run it again after changing an input format (``pack``) or the list below; it only adds
files and rewrites those it owns. ``python tests/fuzz/make_seeds.py``
"""

from __future__ import annotations

import hashlib
import io
import sys
import zlib
from pathlib import Path

import fuzz_charset_override as charset
import fuzz_clean_html as clean
import fuzz_parse_feed as feed
import fuzz_render_body as render
import fuzzlib
from PIL import Image as PILImage

SEEDS = fuzzlib.FUZZ_DIR / "seeds"
REGRESSIONS = fuzzlib.FUZZ_DIR / "regressions"


def write(folder: Path, name: str, data: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def regression(harness: str, data: bytes) -> None:
    write(REGRESSIONS / harness, f"crash-{hashlib.sha1(data).hexdigest()}", data)


def rss(items: str, head: str = "", attributes: str = "") -> bytes:
    return (
        f'{head}<rss version="2.0"{attributes}><channel><title>Site</title>'
        f"<link>https://example.ma/</link>{items}</channel></rss>"
    ).encode()


# --- parse_feed --------------------------------------------------------------------------

RSS_ITEM = (
    "<item><title>الحكومة تعلن &amp; تقرر</title><link>https://example.ma/a/1?utm_source=x</link>"
    "<guid>https://example.ma/?p=1</guid><pubDate>Mon, 02 Jun 2025 10:00:00 +0100</pubDate>"
    "<category>سياسة</category><dc:creator>هيئة التحرير</dc:creator>"
    '<media:content url="https://example.ma/i/1.jpg" medium="image"/>'
    "<description>&lt;p&gt;ملخص&lt;/p&gt;</description><content:encoded><![CDATA["
    '<p>نص <a href="/b">رابط</a></p><figure><img src="https://example.ma/i/2.jpg" alt="صورة">'
    "<figcaption>تعليق</figcaption></figure>"
    '<img data-src="https://example.ma/i/3.jpg" src="data:image/gif;base64,R0lGOD">'
    '<img src="https://stats.wp.com/pixel.gif" width="1" height="1">]]></content:encoded></item>'
)
NAMESPACES = (
    ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/"'
)
ATOM = (
    '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
    'xml:lang="fr"><title>TelQuel</title><link href="https://telquel.ma/"/>'
    '<entry><id>tag:telquel.ma,2025:1</id><title type="html">L&amp;#8217;économie</title>'
    '<link rel="alternate" href="https://telquel.ma/2025/06/01/eco"/>'
    "<updated>2025-06-01T09:30:00Z</updated><author><name>Rédaction</name></author>"
    '<category term="Économie"/><content type="html">&lt;p&gt;Texte &lt;img src="/i.jpg"'
    ' srcset="/i-300.jpg 300w, /i-1200.jpg 1200w"&gt;&lt;/p&gt;</content></entry></feed>'
)
RDF = (
    '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    '<channel rdf:about="https://example.ma/"><title>RDF</title></channel>'
    '<item rdf:about="https://example.ma/r/1"><title>r</title><link>https://example.ma/r/1</link>'
    "<dc:date>2025-05-30T08:00:00</dc:date></item></rdf:RDF>"
)


def parse_feed_inputs() -> None:
    folder = SEEDS / feed.NAME
    write(folder, "seed-rss-wordpress.bin", feed.pack(rss(RSS_ITEM, attributes=NAMESPACES)))
    write(
        folder,
        "seed-rss-header-charset.bin",
        feed.pack(
            rss(RSS_ITEM, attributes=NAMESPACES),
            {"Content-Type": "application/rss+xml; charset=utf-8", "Content-Language": "ar"},
        ),
    )
    write(folder, "seed-atom.bin", feed.pack(ATOM.encode()))
    write(folder, "seed-rdf.bin", feed.pack(RDF.encode()))
    arabic = rss(
        "<item><title>وزارة الاقتصاد، والمالية</title><link>https://example.ma/a/2</link></item>"
    )
    write(
        folder,
        "seed-rss-windows-1256-undeclared.bin",
        feed.pack(arabic.decode().encode("windows-1256")),
    )
    # Known bad: what the fuzzer and the corpora found, one input each.
    bad = [
        rss("<item><title>a</title></item>", '<?xml version="1.0" encoding="utf\x00-8"?>'),
        b"<rss><channel><item><title>x</title></width></item></channel></rss>",
        rss("<item><title>a</title><category>sport</item><item><title>b</title></item>"),
        rss("<item><title>a &#55296; b</title><description>x<br></description></item>&"),
        rss("<item><title>a &#x110000; b</title><description>x<br></description></item>&"),
        rss("<item><title>a &#99999999999; b</title><description><br></description></item>&"),
        rss(
            "<item><title>a</title><dc:creator>x</dc:creator></item>",
            attributes=' xmlns:dc="http://purl.org/dc/\u00a0elements/1.1/"',
        ),
        rss("<item><title>a</title><description>نص </span></item>"),
        rss(
            "<item><title>a</title><description>"
            "&lt;img srcset=&quot;a.jpg 2\u00b2w&quot;&gt;</description></item>"
        ),
        rss(
            "<item><title>a</title><description>&lt;img data-src=&quot;https://example.ma/"
            "\ufffe.jpg&quot; src=&quot;x.jpg&quot;&gt;</description></item>"
        ),
        rss(f"<item><link>https://example.ma/{'a' * 581}</link></item>"),
    ]
    for body in bad:
        regression(feed.NAME, feed.pack(body))


# --- clean_html ---------------------------------------------------------------------------

ARTICLE = (
    '<p dir="rtl" class="x" style="color:red">فقرة <a href="/news/2" onclick="x()">رابط</a> '
    '<a href="mailto:redaction@example.ma">بريد</a></p><figure><img src="i.jpg" alt="صورة" '
    'width="600" height="400"><figcaption>تعليق</figcaption></figure><table><tr><td colspan="2">'
    '<blockquote cite="/q">قول</blockquote></td></tr></table><ol start="3"><li>'
    '<time datetime="2025-06-01">1 يونيو</time></li></ol>'
)
HOSTILE = (
    '<script>alert(1)</script><img src=x onerror=alert(1)><a href="java&#9;script:alert(1)">x</a>'
    '<svg><style><img src=x onerror=alert(2)></style></svg><iframe src="//evil"></iframe>'
    '<a href=" javascript:alert(3)">y</a><math><mi xlink:href="javascript:1">z</mi></math>'
)


def clean_html_inputs() -> None:
    folder = SEEDS / clean.NAME
    write(folder, "seed-article-with-base.bin", clean.pack(ARTICLE, 1))
    write(folder, "seed-article-no-base.bin", clean.pack(ARTICLE, 0))
    write(folder, "seed-hostile.bin", clean.pack(HOSTILE, 2))
    write(folder, "seed-surrogates-controls.bin", clean.pack("<p>a\udc80\x01\u202eb</p>", 1))
    for fragment, base in [
        ('<a href="x"><table><a href="y">t</a></table></a>', 1),
        ('<a rel="x" href="javascript:1">t</a>', 0),
    ]:
        regression(clean.NAME, clean.pack(fragment, base))


# --- render_body --------------------------------------------------------------------------


def image_url(states: tuple[int, ...], name: str) -> str:
    """An image URL that render.image_rows puts in one of ``states`` (see there)."""
    for number in range(10_000):
        url = f"https://example.ma/uploads/{name}-{number}.jpg"
        if zlib.crc32(url.encode()) % 6 in states:
            return url
    raise AssertionError("no such URL")


def render_body_inputs() -> None:
    folder = SEEDS / render.NAME
    shown, hidden = image_url((4, 5), "shown"), image_url((2, 3), "hidden")
    pending = image_url((0,), "pending")
    body = (
        f'<p>قبل <a href="https://example.ma/full.jpg"><img src="{shown}" alt="ملعب"></a> بعد</p>'
        f'<figure><img src="{hidden}" alt="مخفية"><figcaption>تعليق</figcaption></figure>'
        f'<figure><img src="{shown}"><figcaption>صورة</figcaption></figure>'
        f'<p><img src="{pending}" alt="انتظار"> نص &lt;b&gt;</p>'
    )
    write(folder, "seed-page.bin", render.pack(body, render.SANITIZE | render.PAGE))
    write(folder, "seed-mapping.bin", render.pack(body, render.SANITIZE))
    write(
        folder,
        "seed-no-placeholder.bin",
        render.pack(body, render.SANITIZE | render.PAGE | render.NO_PLACEHOLDER),
    )
    legacy = f'<div style="x"><IMG SRC={shown} ALT=قديم><script>x</script><p>غير منقى'
    write(folder, "seed-raw-legacy.bin", render.pack(legacy, render.PAGE))
    controls = "\x03\x12\ufffe"
    stored = (
        f'{controls}<p>نص <img src="{shown}" alt="a{controls}b">{controls} بعد '
        f'<img src="{hidden}" alt="{controls}"></p>'
    )
    regression(render.NAME, render.pack(stored, render.PAGE))


# --- charset_override ---------------------------------------------------------------------


def charset_inputs() -> None:
    folder = SEEDS / charset.NAME
    write(folder, "seed-windows-1256.bin", charset.pack(charset.ARABIC.encode("windows-1256")))
    write(folder, "seed-iso-8859-6.bin", charset.pack(charset.ARABIC.encode("iso-8859-6")))
    write(
        folder,
        "seed-utf8-labelled-windows-1256.bin",
        charset.pack(charset.ARABIC.encode(), "windows-1256", charset.CHARSET),
    )
    write(
        folder,
        "seed-french-latin1.bin",
        charset.pack(charset.FRENCH.encode("latin-1"), "text/xml", charset.CONTENT_TYPE),
    )
    write(
        folder,
        "seed-meta-declared.bin",
        charset.pack(charset.ARABIC.encode("windows-1256"), "iso-8859-6", charset.DECLARED),
    )
    # Undeclared windows-1256: Arabic, French accents and the Arabic comma 0xA1, which
    # ISO-8859-6 lacks (it read better there, once).
    mixed = "première déjà الحكومة وزارة ministère، وزارة à à،"
    regression(charset.NAME, charset.pack(mixed.encode("windows-1256")))


# --- process_image ------------------------------------------------------------------------


def encoded(picture: PILImage.Image, kind: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, kind, **options)
    return buffer.getvalue()


def gradient(size: tuple[int, int], mode: str = "RGB") -> PILImage.Image:
    width, height = size
    picture = PILImage.new("RGB", size)
    picture.putdata(
        [
            ((x * 255) // max(1, width - 1), (y * 255) // max(1, height - 1), 96)
            for y in range(height)
            for x in range(width)
        ]
    )
    return picture.convert(mode)


def process_image_inputs() -> None:
    folder = SEEDS / "process_image"
    exif = PILImage.Exif()
    exif[0x0112] = 6  # rotated: width and height swap
    frames = [gradient((6, 6)), PILImage.new("RGB", (6, 6), (200, 30, 30))]
    palette = gradient((7, 5)).convert("P", palette=PILImage.Palette.ADAPTIVE, colors=8)
    seeds = {
        "rgb-8x8.jpg": encoded(gradient((8, 8)), "JPEG", quality=50),
        "gray-17x3.jpg": encoded(gradient((17, 3), "L"), "JPEG", quality=60),
        "progressive-33x21.jpg": encoded(gradient((33, 21)), "JPEG", progressive=True),
        "cmyk-5x7.jpg": encoded(gradient((5, 7), "CMYK"), "JPEG"),
        "exif-rotated-9x4.jpg": encoded(gradient((9, 4)), "JPEG", exif=exif.tobytes()),
        "wide-1201x2.jpg": encoded(gradient((1201, 2)), "JPEG", quality=30),
        "rgb-1x1.png": encoded(gradient((1, 1)), "PNG"),
        "tall-3x517.png": encoded(gradient((3, 517), "L"), "PNG", optimize=True),
        "palette-transparent-7x5.png": encoded(palette, "PNG", transparency=0),
        "la-4x4.png": encoded(gradient((4, 4), "LA"), "PNG"),
        "rgba-2x9.png": encoded(gradient((2, 9), "RGBA"), "PNG"),
        "gray16-3x3.png": encoded(gradient((3, 3), "L").convert("I;16"), "PNG"),
        "bilevel-401x3.png": encoded(gradient((401, 3), "1"), "PNG"),
        "animated-6x6.gif": encoded(frames[0], "GIF", save_all=True, append_images=frames[1:]),
        "transparent-1x1.gif": encoded(PILImage.new("P", (1, 1)), "GIF", transparency=0),
        "lossy-10x6.webp": encoded(gradient((10, 6)), "WEBP", quality=40),
        "lossless-rgba-5x5.webp": encoded(gradient((5, 5), "RGBA"), "WEBP", lossless=True),
        "animated-4x4.webp": encoded(
            gradient((4, 4)), "WEBP", save_all=True, append_images=[gradient((4, 4), "L")]
        ),
    }
    for name, data in seeds.items():
        write(folder, name, data)
    # Known bad: taller than WebP allows once copied (compressed, it is a few KB), and a
    # strip whose copy would be less than a pixel tall.
    regression("process_image", encoded(PILImage.new("1", (1080, 20000)), "PNG", optimize=True))
    regression("process_image", encoded(gradient((2401, 1)), "JPEG", quality=50))


def main() -> None:
    parse_feed_inputs()
    clean_html_inputs()
    render_body_inputs()
    charset_inputs()
    process_image_inputs()
    total = sum(path.stat().st_size for path in SEEDS.rglob("*") if path.is_file())
    print(f"seeds: {total} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
