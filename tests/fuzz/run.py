"""Run the fuzz harnesses one after the other (``make fuzz``); see tests/fuzz/README.md.

For each harness: the seeds (committed ones and those built from tests/corpora,
articles/ingest/demo and tests/data/pages) go into var/fuzz/<name>/corpus, libFuzzer runs
for the time given, and each crash, timeout or out-of-memory input it writes is copied
to tests/fuzz/regressions/<name>/<kind>-<sha1 of the input>, where the test suite
replays it. A failure already known (a committed regression still failing, or found
earlier in this run) counts as passing, so that libFuzzer, which stops at the first
failure, is restarted to look for the next one until the time is up.

Exit status 1 if anything new was found or a harness could not run, after all ran.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

FUZZ_DIR = Path(__file__).resolve().parent
ROOT = FUZZ_DIR.parent.parent
sys.path.insert(0, str(FUZZ_DIR))

import fuzzlib  # noqa: E402

HARNESSES = fuzzlib.HARNESSES
ARTIFACT_KINDS = ("crash", "timeout", "oom")
DEFAULT_SIGNATURES = {
    "crash": "crash in native code (no Python exception)",
    "timeout": f"timeout (over {fuzzlib.TIMEOUT_SECONDS} s for one input)",
    "oom": "out of memory (over the RSS limit)",
}
RSS_LIMIT_MB = 4096  # one harness at a time on 2 CPUs and 23 GB: generous, still a cap
MAX_FINDINGS = 10  # per harness and run: beyond that, fix some first
MIN_RUN_SECONDS = 5  # not worth restarting libFuzzer for less
MINIMIZE_SECONDS = 60  # per finding, on top of the fuzzing time
EXECUTED = re.compile(r"^stat::number_of_executed_units:\s*(\d+)", re.MULTILINE)
PEAK_RSS = re.compile(r"^stat::peak_rss_mb:\s*(\d+)", re.MULTILINE)


@dataclass
class Finding:
    kind: str
    signature: str
    path: Path
    traceback: str = ""
    minimized: Path | None = None


@dataclass
class Outcome:
    name: str
    executions: int = 0
    seconds: float = 0.0
    runs: int = 0
    peak_rss_mb: int = 0
    known: dict[str, list[str]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    error: str = ""


def module(name: str) -> ModuleType:
    return importlib.import_module(f"fuzz_{name}")


def sha1_name(kind: str, data: bytes) -> str:
    return f"{kind}-{hashlib.sha1(data).hexdigest()}"  # noqa: S324 - a name, not security


def replay_signatures(name: str) -> dict[str, str | None]:
    """Signature of each committed input of ``name`` that fails now (None: passes).
    Timeouts and out-of-memory inputs are not replayed here: their kind is the key."""
    harness = module(name)
    result: dict[str, str | None] = {}
    for folder in (FUZZ_DIR / "regressions" / name, FUZZ_DIR / "seeds" / name):
        for path in sorted(folder.glob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            kind = path.name.split("-", 1)[0]
            if kind in ("timeout", "oom"):
                result[str(path)] = DEFAULT_SIGNATURES[kind]
                continue
            try:
                harness.check(path.read_bytes())
                result[str(path)] = None
            except Exception as error:
                result[str(path)] = fuzzlib.signature(error)
    return result


def failing_signature(harness: ModuleType, data: bytes) -> str | None:
    try:
        harness.check(data)
    except Exception as error:
        return fuzzlib.signature(error)
    return None


def minimize(name: str, path: Path, seconds: float) -> bytes:
    """A smaller input failing the same way as the one at ``path`` (delta debugging:
    drop ever smaller chunks while the signature stays), within ``seconds``."""
    harness = module(name)
    data = path.read_bytes()
    key = failing_signature(harness, data)
    if key is None:
        return data
    deadline = time.monotonic() + seconds
    chunk = max(1, len(data) // 2)
    while chunk >= 1 and time.monotonic() < deadline:
        start, shrunk = 0, False
        while start < len(data) and time.monotonic() < deadline:
            candidate = data[:start] + data[start + chunk :]
            if candidate and failing_signature(harness, candidate) == key:
                data, shrunk = candidate, True
            else:
                start += chunk
        if not shrunk:
            chunk //= 2
    return data


def minimized_copy(name: str, path: Path, kind: str, folder: Path) -> Path | None:
    """Minimize a crash in a child process (an input may hang), keep it beside the
    original if smaller."""
    command = [sys.executable, __file__, "--minimize", name, str(path)]
    try:
        done = subprocess.run(
            command, capture_output=True, timeout=MINIMIZE_SECONDS + 60, cwd=ROOT, check=False
        )
    except subprocess.TimeoutExpired:
        return None
    smaller = done.stdout
    if done.returncode != 0 or not smaller or len(smaller) >= path.stat().st_size:
        return None
    target = folder / sha1_name(kind, smaller)
    target.write_bytes(smaller)
    return target


def known_failures(name: str) -> dict[str, list[str]]:
    """Signatures of the committed inputs that fail now, with their files; in a child
    process, so that a hanging input cannot hang the run."""
    command = [sys.executable, __file__, "--signatures", name]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=300, cwd=ROOT, check=False
        )
        replayed: dict[str, str | None] = json.loads(done.stdout or "{}")
    except (subprocess.TimeoutExpired, json.JSONDecodeError):
        print(f"  {name}: could not replay the committed inputs; none counted as known")
        return {}
    known: dict[str, list[str]] = {}
    for path, key in replayed.items():
        if key is not None:
            known.setdefault(key, []).append(Path(path).name)
    return known


def prepare_corpus(name: str, corpus: Path) -> int:
    corpus.mkdir(parents=True, exist_ok=True)
    count = 0
    for data in module(name).seeds():
        target = corpus / hashlib.sha1(data).hexdigest()  # noqa: S324
        if not target.exists():
            target.write_bytes(data)
        count += 1
    return count


def fuzz(name: str, seconds: int, timeout: int) -> Outcome:
    outcome = Outcome(name)
    harness = module(name)
    work = ROOT / "var" / "fuzz" / name
    corpus, artifacts = work / "corpus", work / "artifacts"
    shutil.rmtree(artifacts, ignore_errors=True)
    artifacts.mkdir(parents=True)
    for old_log in work.glob("libfuzzer-*.log"):
        old_log.unlink()
    seeds = prepare_corpus(name, corpus)
    outcome.known = known_failures(name)
    known = set(outcome.known)
    known_file, report = work / "known.json", work / "report.jsonl"
    report.unlink(missing_ok=True)
    print(f"== {name}: {seconds} s, {seeds} seeds, corpus {len(list(corpus.iterdir()))} inputs")
    for key, files in sorted(outcome.known.items()):
        print(f"  known, still failing: {key} ({len(files)} file(s))")
    deadline = time.monotonic() + seconds
    regressions = FUZZ_DIR / "regressions" / name
    while len(outcome.findings) < MAX_FINDINGS:
        remaining = int(deadline - time.monotonic())
        if remaining < MIN_RUN_SECONDS and outcome.runs:
            break
        known_file.write_text(json.dumps(sorted(known)))
        command = [
            sys.executable,
            str(FUZZ_DIR / f"fuzz_{name}.py"),
            str(corpus),
            f"-max_total_time={max(remaining, 1)}",
            f"-timeout={timeout}",
            f"-rss_limit_mb={RSS_LIMIT_MB}",
            f"-max_len={harness.MAX_LEN}",
            f"-dict={FUZZ_DIR / 'dicts' / harness.DICTIONARY}",
            f"-artifact_prefix={artifacts}/",
            "-print_final_stats=1",
        ]
        env = {**os.environ, "FUZZ_KNOWN": str(known_file), "FUZZ_REPORT": str(report)}
        log_path = work / f"libfuzzer-{outcome.runs}.log"
        before = set(artifacts.iterdir())
        started = time.monotonic()
        with open(log_path, "w", encoding="utf-8") as log:
            done = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        outcome.seconds += time.monotonic() - started
        outcome.runs += 1
        text = log_path.read_text(encoding="utf-8", errors="replace")
        outcome.executions += sum(int(n) for n in EXECUTED.findall(text))
        outcome.peak_rss_mb = max([outcome.peak_rss_mb, *map(int, PEAK_RSS.findall(text))])
        new = sorted(set(artifacts.iterdir()) - before)
        new = [path for path in new if path.name.split("-", 1)[0] in ARTIFACT_KINDS]
        lines = report.read_text().splitlines() if report.exists() else []
        reported = [json.loads(line) for line in lines]
        report.unlink(missing_ok=True)
        if not new:
            if done.returncode != 0:
                outcome.error = f"libFuzzer exited {done.returncode} without a finding: {log_path}"
            break
        stop = False
        for path in new:
            kind = path.name.split("-", 1)[0]
            data = path.read_bytes()
            entry = reported[-1] if kind == "crash" and reported else {}
            key = entry.get("signature") or DEFAULT_SIGNATURES[kind]
            target = regressions / sha1_name(kind, data)
            regressions.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            minimizing = time.monotonic()
            smaller = minimized_copy(name, target, kind, regressions) if entry else None
            deadline += time.monotonic() - minimizing  # fuzzing time is not spent on it
            outcome.findings.append(
                Finding(kind, key, target, entry.get("traceback", ""), smaller)
            )
            known.add(key)
            # A slow, huge or native crash cannot be let through in-process: a restart
            # would most likely hit the same problem again.
            stop = stop or not entry
        if stop:
            break
    return outcome


def summary(outcome: Outcome) -> None:
    rate = outcome.executions / outcome.seconds if outcome.seconds else 0.0
    print(
        f"-- {outcome.name}: {outcome.executions} executions in {outcome.seconds:.0f} s "
        f"({rate:.0f}/s, {outcome.runs} libFuzzer run(s), peak RSS {outcome.peak_rss_mb} MB); "
        f"{len(outcome.findings)} new finding(s)"
    )
    for finding in outcome.findings:
        print(f"   NEW {finding.kind}: {finding.signature}")
        print(f"       kept as {finding.path.relative_to(ROOT)}")
        if finding.minimized is not None:
            size = finding.minimized.stat().st_size
            print(f"       minimized: {finding.minimized.relative_to(ROOT)} ({size} bytes)")
        if finding.traceback:
            last = finding.traceback.strip().splitlines()[-5:]
            print("\n".join(f"       {line[:160]}" for line in last))
    if outcome.error:
        print(f"   ERROR {outcome.error}")


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("FUZZ_SECONDS", 300)))
    parser.add_argument(
        "--harness",
        default=os.environ.get("FUZZ_HARNESS", ""),
        help="comma-separated names (default: all): " + ", ".join(HARNESSES),
    )
    parser.add_argument("--timeout", type=int, default=fuzzlib.TIMEOUT_SECONDS)
    parser.add_argument("--signatures", metavar="HARNESS", help=argparse.SUPPRESS)
    parser.add_argument("--minimize", nargs=2, metavar=("HARNESS", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.signatures:
        print(json.dumps(replay_signatures(args.signatures)))
        return 0
    if args.minimize:
        name, path = args.minimize
        sys.stdout.buffer.write(minimize(name, Path(path), MINIMIZE_SECONDS))
        return 0
    names = [name.strip() for name in args.harness.split(",") if name.strip()] or HARNESSES
    unknown = sorted(set(names) - set(HARNESSES))
    if unknown:
        parser.error(f"unknown harness {', '.join(unknown)}; choose from {', '.join(HARNESSES)}")
    outcomes = [fuzz(name, args.seconds, args.timeout) for name in names]
    print("\n== fuzzing summary")
    for outcome in outcomes:
        summary(outcome)
    bad = [o.name for o in outcomes if o.findings or o.error]
    if bad:
        print(f"new findings or errors in {', '.join(bad)}: see tests/fuzz/regressions/")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
