"""Story grouping benchmark: quality on the labelled sets, and what grouping costs.

A benchmark, not a test: it prints figures and asserts nothing. Run from the
repository root:

    .venv/bin/python bench/stories.py --quality dev       # the tuning set
    .venv/bin/python bench/stories.py --quality heldout   # never for tuning: report only

Quality: B-cubed precision/recall/F1 per language, Arabic-French pairs linked, the
share of "same topic, different event" pairs merged (lib/storysets.py), for
articles.stories and for a plain TF-IDF cosine baseline at thresholds 0.2/0.3/0.4.
"""

from __future__ import annotations

import argparse
import sys

from lib.env import base_env, django_setup, temp_dir
from lib.storysets import lines, ours, score, tfidf_baseline


def quality(name: str) -> None:
    print(f"story grouping on {name}.json")
    for line in lines("articles.stories", score(name, ours)):
        print(line)
    for threshold in (0.2, 0.3, 0.4):
        for line in lines(f"tf-idf cosine >= {threshold}", score(name, tfidf_baseline(threshold))):
            print(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quality", choices=("dev", "heldout"), action="append", default=[])
    args = parser.parse_args(argv)
    with temp_dir("newsroom-stories-", keep=False) as var_dir:
        django_setup(base_env(var_dir))
        for name in args.quality:
            quality(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
