"""What the fuzz harnesses share: Django set up without a database, instrumentation,
the property checks' vocabulary and the atheris entry point.

A harness module (``fuzz_<name>.py``) imports our code inside ``instrumented(__name__)``
and defines ``check(data: bytes)``, a plain function that raises on any broken
property. Run as a script, the module hands ``check`` to atheris (``main``); imported
(tests/fuzz/test_fuzz_regressions.py, run.py), nothing is instrumented and nothing fuzzes.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

FUZZ_DIR = Path(__file__).resolve().parent
ROOT = FUZZ_DIR.parent.parent
CORPORA = ROOT / "tests" / "corpora"
# libFuzzer's -timeout: an input slower than this is a finding, and the replay test
# holds every committed input to it too.
TIMEOUT_SECONDS = 10
# The harnesses, fuzz_<name>.py, in the order make fuzz runs them.
HARNESSES = ("parse_feed", "clean_html", "render_body", "charset_override", "process_image")

# Characters XML 1.0 cannot hold (lxml refuses them, and so does every XML consumer
# of our feeds and sitemaps): controls other than tab/LF/CR, surrogates, U+FFFE/U+FFFF.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


class PropertyViolation(AssertionError):
    """A property of an entry point does not hold. ``key`` names the property (it is
    the finding's signature: the same key is the same bug); ``detail`` shows the case."""

    def __init__(self, key: str, detail: str = "") -> None:
        super().__init__(f"{key}: {detail}" if detail else key)
        self.key = key


def require(condition: object, key: str, detail: str | Callable[[], str] = "") -> None:
    """Raise PropertyViolation(key) unless ``condition``; ``detail`` may be a function,
    called only then (a repr of a long body for each of a million passing checks is
    most of a harness's time)."""
    if not condition:
        raise PropertyViolation(key, detail() if callable(detail) else detail)


def excerpt(value: object, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def require_xml_text(value: str, what: str) -> None:
    """``value`` holds only characters XML can hold (surrogates included in the ban)."""
    bad = NOT_XML.search(value)
    if bad is not None:
        start = max(0, bad.start() - 60)
        raise PropertyViolation(
            f"{what} holds a character XML cannot",
            f"{bad.group()!r} at {bad.start()} in {excerpt(value[start : start + 200])}",
        )


def browser_tree(html: str) -> Any:
    """``html`` parsed as a browser parses a fragment in a <div> (html5lib's etree:
    plain tag names for HTML, ``{namespace}name`` for SVG and MathML)."""
    import html5lib

    return html5lib.parseFragment(
        html, container="div", treebuilder="etree", namespaceHTMLElements=False
    )


def setup_django() -> None:
    """Django with our settings, a throw-away var/ and database: no query is made, but
    models, settings and storage must be loaded. A no-op where Django is already set up
    (under pytest-django)."""
    from django.apps import apps

    if apps.ready:
        return
    scratch = Path(tempfile.mkdtemp(prefix="newsroom-fuzz-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    os.environ.setdefault("NEWSROOM_VAR_DIR", str(scratch))
    os.environ.setdefault("SQLITE_PATH", str(scratch / "fuzz.sqlite3"))
    import django

    django.setup()


def fuzzing(module_name: str) -> bool:
    """Whether the harness module runs as the fuzzer (not imported, not --help)."""
    return module_name == "__main__"


@contextlib.contextmanager
def instrumented(module_name: str, include: Iterable[str]) -> Iterator[None]:
    """Import our code inside this block. When the harness runs as the fuzzer, the
    modules of ``include`` (packages and their submodules) are instrumented for
    coverage as they are imported, Django's app registry included; otherwise this only
    sets up Django."""
    if not fuzzing(module_name):
        setup_django()
        yield
        return
    import atheris

    # Comparisons with string constants guide the mutator (atheris' "RegEx" hook breaks
    # precompiled patterns passed to re functions, gettext's among them).
    atheris.enabled_hooks.add("str")
    with atheris.instrument_imports(include=list(include)):
        setup_django()
        yield


# --- findings ---------------------------------------------------------------------------


def _where(frame: traceback.FrameSummary) -> str:
    path = Path(frame.filename)
    try:
        name = str(path.resolve().relative_to(ROOT))
    except ValueError:
        # Site-packages and the standard library: from the package directory on.
        parts = path.parts
        for marker in ("site-packages", "dist-packages"):
            if marker in parts:
                parts = parts[parts.index(marker) + 1 :]
                break
        else:
            parts = parts[-2:]
        name = "/".join(parts)
    return f"{name}:{frame.name}"


def signature(error: BaseException) -> str:
    """What makes two failures the same bug: the property broken, or the exception's
    type and where it was raised (function names, not lines: others edit the code)."""
    if isinstance(error, PropertyViolation):
        return error.key
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "/articles/" in f.filename.replace(os.sep, "/")]
    where = [_where(frames[-1])] if frames else []
    if ours and (not frames or ours[-1] is not frames[-1]):
        where.insert(0, _where(ours[-1]))
    return f"{type(error).__name__} at {' < '.join(reversed(where)) or '?'}"


class _Logged(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: list[BaseException] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.errors.append(record.exc_info[1])


@contextlib.contextmanager
def no_logged_errors(logger_name: str = "articles") -> Iterator[None]:
    """Fail on an exception our code caught and logged (``logger.exception``): one
    swallowed so that the rest goes on is still a bug on that input, and data lost."""
    logger = logging.getLogger(logger_name)
    handler = _Logged()
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False  # nothing on the console for each of a million inputs
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
    if handler.errors:
        error = handler.errors[0]
        raise PropertyViolation(
            f"logged {signature(error)}", "".join(traceback.format_exception(error))[-2000:]
        )


def main(check: Callable[[bytes], None]) -> None:
    """Fuzz ``check`` with atheris; libFuzzer's flags come from the command line.

    run.py passes two files: FUZZ_KNOWN, the signatures already found (the committed
    regressions still failing, earlier findings of this run), whose inputs count as
    passing so that the fuzzer goes on to other bugs; and FUZZ_REPORT, where the
    signature and traceback of a new finding are written before the process dies."""
    import atheris

    known: set[str] = set()
    known_file = os.environ.get("FUZZ_KNOWN")
    if known_file and Path(known_file).exists():
        known = set(json.loads(Path(known_file).read_text()))
    report = os.environ.get("FUZZ_REPORT")

    def test_one_input(data: bytes) -> None:
        try:
            check(data)
        except Exception as error:
            key = signature(error)
            if key in known:
                return
            if report:
                entry: dict[str, Any] = {
                    "signature": key,
                    "traceback": "".join(traceback.format_exception(error))[-6000:],
                }
                with open(report, "a", encoding="utf-8") as out:
                    out.write(json.dumps(entry) + "\n")
            raise

    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


# --- seeds ---------------------------------------------------------------------------------


def committed_seeds(name: str) -> Iterator[bytes]:
    """The seeds committed for harness ``name`` (tests/fuzz/seeds/<name>/)."""
    for path in sorted((FUZZ_DIR / "seeds" / name).glob("*")):
        if path.is_file() and not path.name.startswith("."):
            yield path.read_bytes()


def feedparser_cases() -> Iterator[tuple[bytes, dict[str, str]]]:
    """feedparser's test feeds with the response headers their ``Header:`` lines give."""
    header_line = re.compile(rb"^Header:\s*([\w-]+):\s*(.*?)\s*$", re.MULTILINE)
    for path in sorted((CORPORA / "feedparser").rglob("*.xml")):
        data = path.read_bytes()
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in header_line.findall(data)
        }
        yield data, headers


def demo_feeds() -> Iterator[bytes]:
    for path in sorted((ROOT / "articles" / "ingest" / "demo").glob("*.xml")):
        yield path.read_bytes()


def xss_payloads() -> Iterator[str]:
    """DOMPurify's and bleach's payloads (see tests/corpora/xss/README.md)."""
    xss = CORPORA / "xss"
    yield from json.loads((xss / "dompurify-payloads.json").read_text(encoding="utf-8"))
    for path in sorted((xss / "bleach").glob("*.test")):
        yield path.read_text(encoding="utf-8").split("\n--\n")[0].strip()


def html_pages() -> Iterator[str]:
    """The labelled outlet pages of the full-text tests."""
    for folder in ("pages", "pages-heldout"):
        for path in sorted((ROOT / "tests" / "data" / folder).glob("*.html")):
            yield path.read_text(encoding="utf-8", errors="replace")


def feed_bodies() -> Iterator[str]:
    """The HTML bodies of the demo feeds' items (content:encoded, description)."""
    import feedparser

    for data in demo_feeds():
        parsed = feedparser.parse(
            io.BytesIO(data), sanitize_html=False, resolve_relative_uris=False
        )
        for entry in parsed.entries:
            for content in entry.get("content") or []:
                yield content.get("value", "")
            if entry.get("summary"):
                yield entry["summary"]
