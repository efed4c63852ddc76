"""What bench/lighthouse.py prints: the scores table, the transfer by resource type and
the five metrics, and per page the categories under the threshold with their failing
audits and what fails; plus how to read a Lighthouse report (scores, audits, details).
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

CATEGORIES = [
    ("performance", "perf"),
    ("accessibility", "a11y"),
    ("best-practices", "bp"),
    ("seo", "seo"),
]
# Shown under a performance score below the threshold, whatever their own score.
CONTEXT_AUDITS = ("largest-contentful-paint-element", "long-tasks", "bootup-time")
SLOW_BENCHMARK = 1000  # Lighthouse warns of a slow CPU under about this benchmarkIndex
AUDIT_FAILS = 0.9  # an audit scored under this is listed as failing


def score(lhr: dict[str, Any], category: str) -> float | None:
    value = lhr["categories"].get(category, {}).get("score")
    return None if value is None else value * 100


def benchmark_index(lhr: dict[str, Any]) -> float:
    return lhr.get("environment", {}).get("benchmarkIndex", 0)


def numeric(lhr: dict[str, Any], audit: str) -> float | None:
    return lhr["audits"].get(audit, {}).get("numericValue")


def failing_audits(lhr: dict[str, Any], category: str) -> list[dict[str, Any]]:
    """The category's audits scored under AUDIT_FAILS, heaviest first."""
    failing = []
    for ref in lhr["categories"][category]["auditRefs"]:
        audit = lhr["audits"][ref["id"]]
        if audit.get("score") is None or audit["score"] >= AUDIT_FAILS:
            continue
        if audit.get("scoreDisplayMode") in {"manual", "notApplicable", "informative"}:
            continue
        failing.append({**audit, "weight": ref.get("weight", 0)})
    return sorted(failing, key=lambda audit: (-audit["weight"], audit["score"]))


def kb(value: float | None) -> str:
    return "-" if value is None else f"{value / 1024:.1f} KB"


def one_line(text: str, limit: int = 220) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_value(value: Any, value_type: str) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, dict):
        kind = value.get("type")
        if kind == "node":
            parts = [value.get("nodeLabel", ""), value.get("selector", "")]
            snippet = value.get("snippet", "")
            text = " | ".join(part for part in parts if part)
            return f"{text} {snippet}".strip()
        if kind == "source-location":
            return f"{value.get('url', '')}:{value.get('line', 0) + 1}:{value.get('column', 0)}"
        if kind in {"url", "code", "text"}:
            return str(value.get("value", ""))
        if kind == "link":
            return f"{value.get('text', '')} {value.get('url', '')}".strip()
        if kind == "numeric":
            return format_value(value.get("value"), value.get("granularity") and "numeric")
        return json.dumps(value, ensure_ascii=False)[:200]
    if value_type == "bytes" and isinstance(value, int | float):
        return kb(value)
    if value_type in {"ms", "timespanMs"} and isinstance(value, int | float):
        return f"{value:.0f} ms"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def detail_lines(details: dict[str, Any] | None, limit: int) -> list[str]:
    """What fails, one line per item of an audit's details (table, opportunity, list)."""
    if not details:
        return []
    if details.get("type") == "list":
        lines = []
        for sub in details.get("items", []):
            lines.extend(detail_lines(sub, limit))
        return lines
    if details.get("type") not in {"table", "opportunity"}:
        return []
    headings = [h for h in details.get("headings", []) if h.get("key")]
    items = details.get("items", [])
    lines = []
    for item in items[:limit]:
        parts = []
        explanation = ""
        for heading in headings:
            value = item.get(heading["key"])
            if isinstance(value, dict) and value.get("type") == "node":
                explanation = value.get("explanation", "")
            text = format_value(value, heading.get("valueType", ""))
            if text:
                label = heading.get("label") or heading["key"]
                label = label if isinstance(label, str) else heading["key"]
                parts.append(f"{label}: {text}")
        sub_items = (item.get("subItems") or {}).get("items") or []
        for sub in sub_items[:3]:
            node = sub.get("relatedNode") or sub.get("node")
            if isinstance(node, dict):
                parts.append("related: " + format_value(node, "node"))
        line = "; ".join(parts)
        if explanation:
            line += " => " + explanation
        lines.append(one_line(line, 400))
    if len(items) > limit:
        lines.append(f"... and {len(items) - limit} more")
    return lines


def print_scores(pages: list[Any], args: argparse.Namespace, versions: dict[str, str]) -> None:
    """The scores table, one row per page, with a warning for a slow or busy machine."""
    print(
        f"Lighthouse {versions.get('lighthouse', '?')}, {versions.get('chrome', '?')}, "
        f"mobile (simulated throttling), {args.runs} run(s) per page"
        + (" (median performance run shown)" if args.runs > 1 else "")
        + ("; trace-format shim on" if args.trace_shim else "; no trace-format shim")
    )
    print()
    header = (
        f"{'page':<8} {'perf':>4} {'a11y':>4} {'bp':>4} {'seo':>4} {'transfer':>10} "
        f"{'reqs':>4} {'cpu':>5} {'load':>4}  path"
    )
    print(header)
    print("-" * len(header))
    for page in pages:
        lhr = page.report
        if lhr is None:
            status = f"HTTP {page.status}" if page.status else "error"
            print(
                f"{page.name:<8} {'-':>4} {'-':>4} {'-':>4} {'-':>4} {'-':>10} {'-':>4} "
                f"{'-':>5} {'-':>4}  {page.path}  ({status})"
            )
            continue
        cells = [score(lhr, category) for category, _ in CATEGORIES]
        requests = lhr["audits"].get("network-requests", {}).get("details", {}).get("items", [])
        print(
            f"{page.name:<8} "
            + " ".join("   -" if c is None else f"{c:>4.0f}" for c in cells)
            + f" {kb(numeric(lhr, 'total-byte-weight')):>10} {len(requests):>4}"
            + f" {benchmark_index(lhr):>5.0f} {lhr.get('_load1', 0):>4.1f}  {page.path}"
            + (f"  ({page.note})" if page.note else "")
        )
        if args.runs > 1:
            perfs = sorted(score(r, "performance") or 0 for r in page.reports)
            print(f"{'':<8} perf over {len(perfs)} runs: {', '.join(f'{p:.0f}' for p in perfs)}")
    print(
        "transfer = Lighthouse's total-byte-weight (bytes over the wire, all requests); "
        "cpu = its CPU benchmark (benchmarkIndex) in that run; load = 1-min load average "
        "when the run began."
    )
    shown = [page.report for page in pages if page.report]
    slow = [lhr for lhr in shown if benchmark_index(lhr) < SLOW_BENCHMARK]
    busy = [lhr for lhr in shown if lhr.get("_load1", 0) > (os.cpu_count() or 1)]
    if slow or busy:
        print(
            f"!! {len(slow)} of {len(shown)} runs shown had benchmarkIndex < {SLOW_BENCHMARK} "
            f"and {len(busy)} a load above the {os.cpu_count()} CPUs: the machine was slow "
            "or busy, so performance scores (TBT above all) are pessimistic; re-run on a "
            "quiet machine, with --runs 3 or more."
        )


def print_transfer(pages: list[Any]) -> None:
    """The transfer by resource type, and the five metrics."""
    print()
    print("transfer by type (Lighthouse resource-summary, transfer sizes):")
    for page in pages:
        lhr = page.report
        if lhr is None:
            continue
        items = lhr["audits"].get("resource-summary", {}).get("details", {}).get("items", [])
        parts = [
            f"{item['resourceType']} {item.get('requestCount', 0)}x {kb(item.get('transferSize'))}"
            for item in items
            if item.get("requestCount") and item["resourceType"] not in {"total", "third-party"}
        ]
        print(f"  {page.name:<8} " + ", ".join(parts))
    metrics = (
        "first-contentful-paint",
        "largest-contentful-paint",
        "total-blocking-time",
        "cumulative-layout-shift",
        "speed-index",
    )
    print()
    print("metrics: " + ", ".join(m.replace("-", " ") for m in metrics))
    for page in pages:
        lhr = page.report
        if lhr is None:
            continue
        values = [lhr["audits"].get(m, {}).get("displayValue", "-") for m in metrics]
        print(f"  {page.name:<8} " + " | ".join(v.replace("\xa0", " ") for v in values))


def print_failing(pages: list[Any], args: argparse.Namespace) -> None:
    """Per page, every category under the threshold with its failing audits."""
    for page in pages:
        print()
        lhr = page.report
        if lhr is None:
            print(f"== {page.name} {page.path}: not audited: {page.error}")
            continue
        warnings = list(lhr.get("runWarnings") or [])
        warnings += [
            f"audit {key} could not run: {audit.get('errorMessage', '?')}"
            for key, audit in lhr["audits"].items()
            if audit.get("scoreDisplayMode") == "error"
        ]
        under = [
            (category, s)
            for category, _ in CATEGORIES
            if (s := score(lhr, category)) is not None and s < args.threshold
        ]
        if not under and not warnings:
            print(f"== {page.name} {page.path}: every category at {args.threshold} or more")
            continue
        print(f"== {page.name} {page.path}")
        for warning in warnings:
            print(f"   run warning: {one_line(warning)}")
        for category, s in under:
            print(f"   {category} {s:.0f}: audits under {AUDIT_FAILS}:")
            for audit in failing_audits(lhr, category):
                value = audit.get("displayValue", "")
                weight = f"weight {audit['weight']}" if audit["weight"] else "weight 0"
                print(
                    f"   - {audit['id']} ({audit['score']:.2f}, {weight}"
                    + (f", {value}" if value else "")
                    + f"): {one_line(audit['title'])}"
                )
                for line in detail_lines(audit.get("details"), args.items):
                    print(f"       {line}")
            if category == "performance":
                for key in CONTEXT_AUDITS:
                    audit = lhr["audits"].get(key, {})
                    lines = detail_lines(audit.get("details"), 3)
                    if lines:
                        value = audit.get("displayValue", "")
                        print(f"   context: {key}" + (f" ({value})" if value else ""))
                        for line in lines:
                            print(f"       {line}")


def print_report(pages: list[Any], args: argparse.Namespace, versions: dict[str, str]) -> None:
    print_scores(pages, args, versions)
    print_transfer(pages)
    print_failing(pages, args)
    print()
    if pages and any(page.report_files for page in pages):
        where = sorted({str(f.parent) for page in pages for f in page.report_files})
        print(f"reports (JSON + HTML): {', '.join(where)}")


def print_site_check(pages: list[Any]) -> None:
    """--site-only: each page's answer to a plain GET (no Lighthouse)."""
    print("the site's pages, one plain GET each (--site-only: no Lighthouse run):")
    for page in pages:
        status = page.status if page.status is not None else "-"
        note = f"  ({page.note})" if page.note else ""
        print(f"  {page.name:<8} {status!s:>4}  {page.path}{note}")
        if page.error:
            print(f"           {one_line(page.error)}")
