"""manage.py stories: a rebuild from the command line, and usage for a bad one."""

from __future__ import annotations

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from articles.models import Story
from tests.stories.conftest import labelled, store_items

ROOT = Path(__file__).resolve().parents[2]


def test_rebuild_groups_a_window(db: None) -> None:
    store_items([i for i in labelled("dev") if i["story"] == "hcp-unemployment-q3-2026-11-03"])
    out = StringIO()
    call_command("stories", "--rebuild", "--since", "2026-11-01", stdout=out)
    assert Story.objects.count() == 1
    assert "6 article(s) since 2026-11-01" in out.getvalue()


def test_without_rebuild_it_says_what_to_give(db: None) -> None:
    with pytest.raises(CommandError, match="--rebuild"):
        call_command("stories")


@pytest.mark.parametrize(
    "args", [["--rebuild", "--since", "yesterday"], ["--rebuild", "--until", "2026-13-01"]]
)
def test_a_bad_date_gets_usage_not_a_traceback(args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", "stories", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "usage:" in done.stderr and "not an ISO date" in done.stderr
    assert "Traceback" not in done.stderr
