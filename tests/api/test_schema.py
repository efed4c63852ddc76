"""The API against its own OpenAPI document: Schemathesis (``st run``, in a subprocess)
reads the document the live server serves at /api/v1/openapi.json and tests every
operation with every check (``--checks all``: no server error, status codes, content
types, headers and bodies as documented, schema-valid requests accepted and invalid ones
refused, unsupported methods refused, ...) on a database like a real one: three outlets
(Arabic, French, one without articles), the canonical sections, articles with and
without pictures, one hidden article, one hidden lead picture and one hidden picture in
a body, two stories.

Figures (Schemathesis 4.32, seed 20251222): 7 operations; 548 test cases: the coverage
phase's (boundaries and wrong types of every parameter, unsupported methods), at most
MAX_EXAMPLES (25) per operation in the fuzzing phase, and stateful scenarios along the
links it infers from a list to its one-item operation; the examples phase has nothing
to run (the document has no examples). About 30 s on two cores. On a failure
the assertion message is Schemathesis's own report: the check, the request as a curl
command, and the response. tests/api/schemathesis.toml says which answer one operation
may give to a schema-valid request, and why.

The rate limit is off in that run (it has its own test in test_api.py); the second test
here gets a 429 from every operation and checks it against the document. Every request
goes to the live server: the subprocess's proxy points nowhere, for every host but this
one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.utils import timezone

from articles.models import Image, Outlet
from articles.search.index import index_articles
from tests.support.site import NOW, changed, make_article, section, stored_image
from tests.support.stories import grouped

MAX_EXAMPLES = 25
SEED = 20251222
CONFIG = Path(__file__).with_name("schemathesis.toml")
OPERATIONS = {
    "GET /api/v1/articles",
    "GET /api/v1/articles/{article_id}",
    "GET /api/v1/outlets",
    "GET /api/v1/outlets/{slug}",
    "GET /api/v1/sections",
    "GET /api/v1/stories",
    "GET /api/v1/stories/{story_id}",
}


def realistic_rows(make_outlet: Callable[..., Outlet]) -> None:
    """Outlets, articles with and without pictures, one hidden article, one hidden
    picture (a lead) and one hidden picture in a body, two stories; indexed for
    search."""
    hespress = make_outlet(
        slug="hespress", name="هسبريس", name_latin="Hespress",
        site_url="https://www.hespress.com/", last_success_at=NOW,
    )  # fmt: skip
    le360 = make_outlet(
        slug="le360", name="Le360", name_latin="Le360", language="fr",
        site_url="https://fr.le360.ma/",
    )  # fmt: skip
    make_outlet(slug="quiet", name="مصدر بلا أخبار")
    sports, economy = section("sports"), section("economy")
    made = []
    for n in range(8):
        outlet = hespress if n % 2 else le360
        made.append(
            make_article(
                outlet,
                title=f"خبر المنتخب رقم {n}" if outlet is hespress else f"Le Maroc, n° {n}",
                published_at=NOW - timedelta(hours=n),
                section=(sports, economy, None)[n % 3],
                language=outlet.language,
                author="مراسل" if n % 2 else "",
            )
        )
    stored_image(made[0])
    hidden_lead = stored_image(made[1])
    hidden_lead.visibility = "staff_hidden"
    hidden_lead.hidden_at = timezone.now()
    hidden_lead.save()
    # A lead shown, then a hidden picture in the body: a placeholder there.
    stored_image(made[2], position=0)
    in_body = stored_image(made[2], position=1)
    in_body.visibility = "auto_hidden"
    in_body.save()
    made[2].body_html = f'<p>نص</p><figure><img src="{in_body.url}" alt=""></figure>'
    made[2].save()
    made[3].hidden = True
    made[3].save()
    assert Image.objects.filter(visibility__in=("staff_hidden", "auto_hidden")).count() == 2
    # Two stories: one of three reports (one of them hidden), one whose lead picture
    # is the hidden one.
    grouped(made[0], made[3], made[5])
    grouped(made[1], made[2], headline="عنوان اختارته الإدارة")
    index_articles([article.pk for article in made])
    changed()


@pytest.mark.django_db(transaction=True)
def test_the_api_keeps_to_its_openapi_document(
    live_server: Any,
    settings: Any,
    make_outlet: Callable[..., Outlet],
    sections: None,
    tmp_path: Path,
) -> None:
    settings.API_RATE_LIMIT = 0
    realistic_rows(make_outlet)
    report = tmp_path / "schemathesis.json"
    nowhere = "http://127.0.0.1:9"  # any request to another host fails at once
    env = os.environ | {
        "HTTP_PROXY": nowhere, "HTTPS_PROXY": nowhere, "ALL_PROXY": nowhere,
        "NO_PROXY": "127.0.0.1,localhost", "SCHEMATHESIS_HOOKS": "",
    }  # fmt: skip
    run = subprocess.run(
        [
            str(Path(sys.executable).with_name("st")),
            "--config-file", str(CONFIG), "--no-color", "run",
            f"{live_server.url}/api/v1/openapi.json",
            "--checks", "all",
            "--max-examples", str(MAX_EXAMPLES),
            "--seed", str(SEED),
            "--workers", "1",
            "--request-timeout", "20",
            "--report", "json", "--report-json-path", str(report),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
        env=env,
    )  # fmt: skip
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    figures = json.loads(report.read_text())
    print(json.dumps(figures["operations"]), json.dumps(figures["test_cases"]))
    assert figures["operations"]["tested"] == len(OPERATIONS), output
    assert figures["failures"] == [] and figures["errors"] == [], output
    assert figures["test_cases"]["generated"] > 100, figures["test_cases"]


PATH_PARAMETERS = {"article_id": 1, "slug": "hespress", "story_id": 1}


@pytest.mark.django_db(transaction=True)
def test_the_rate_limits_answer_is_the_documented_one(live_server: Any, settings: Any) -> None:
    """The run above has the limit off, so it never sees a 429: here every operation
    gets one (the document's own request is the network's one allowed), and
    Schemathesis checks it against the document with every check."""
    settings.API_RATE_LIMIT = 1
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    seen = set()
    for found in schema.get_all_operations():
        operation = found.ok()
        seen.add(operation.label)
        names = {parameter.name for parameter in operation.path_parameters}
        case = operation.Case(path_parameters={name: PATH_PARAMETERS[name] for name in names})
        response = case.call()
        assert response.status_code == 429, (operation.label, response.status_code)
        assert response.headers["retry-after"], operation.label
        case.validate_response(response)
    assert seen == OPERATIONS
