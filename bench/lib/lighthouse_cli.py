"""Lighthouse's CLI under Node, as bench/lighthouse.py runs it: where it is installed
(bench/node_modules, from bench/package.json), ``ensure_lighthouse()`` (or ``npm ci
--prefix bench``), and ``run_lighthouse()``: one run in Debian's headless Chromium with
its background connections off, through a module hook that reads the trace format of
newer Chromiums (the "trace shim", below).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

from lib import REPO
from lib.env import progress

BENCH = REPO / "bench"
LIGHTHOUSE = BENCH / "node_modules" / ".bin" / "lighthouse"
LIGHTHOUSE_CLI = BENCH / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROME_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
# Lighthouse 12.2.3's trace engine reads PipelineReporter's ``args.chrome_frame_reporter``,
# which this Chromium (156) names ``args.frame_reporter``: unpatched, six audits fail
# with "Cannot read properties of undefined (reading 'frame_sequence')"
# (render-blocking-resources, largest-contentful-paint-element, layout-shifts,
# non-composited-animations, prioritize-lcp-image, lcp-lazy-loaded). A Node module hook,
# given to node as a data: URL, reads either name while the module loads; nothing in
# node_modules is changed. --no-trace-shim runs Lighthouse as shipped.
SHIM_OLD = "evt.args.data.beginEvent.args.chrome_frame_reporter.frame_sequence"
SHIM_NEW = (
    "(evt.args.data.beginEvent.args.chrome_frame_reporter"
    " ?? evt.args.data.beginEvent.args.frame_reporter ?? {}).frame_sequence"
)
SHIM_HOOKS = f"""
export async function load(url, context, nextLoad) {{
  const result = await nextLoad(url, context);
  if (url.endsWith("/trace_engine/models/trace/handlers/ScreenshotsHandler.js")) {{
    return {{...result, source: String(result.source).replace({json.dumps(SHIM_OLD)},
      {json.dumps(SHIM_NEW)})}};
  }}
  return result;
}}
"""
SHIM_IMPORT = "data:text/javascript," + quote(
    "import {register} from 'node:module'; "
    f"register({json.dumps('data:text/javascript,' + quote(SHIM_HOOKS))});"
)
INSTALL_HINT = (
    "Lighthouse is not installed in bench/node_modules. From the repository root run:\n"
    "    npm ci --prefix bench\n"
    "(or pass --install to let this script run it)."
)


def ensure_lighthouse(install: bool) -> None:
    if shutil.which("node") is None:
        print(
            "node is not on PATH (Lighthouse 12.2.3 needs Node.js 18.20 or later).",
            file=sys.stderr,
        )
        sys.exit(2)
    if LIGHTHOUSE.exists() and LIGHTHOUSE_CLI.exists():
        return
    if not install:
        print(INSTALL_HINT, file=sys.stderr)
        sys.exit(2)
    if shutil.which("npm") is None:
        print("npm is not on PATH (apt-get install npm, or Node.js 20).", file=sys.stderr)
        sys.exit(2)
    progress("installing Lighthouse: npm ci --prefix bench ...")
    done = subprocess.run(["npm", "ci", "--prefix", str(BENCH)], check=False)
    if done.returncode or not (LIGHTHOUSE.exists() and LIGHTHOUSE_CLI.exists()):
        print("npm ci --prefix bench failed.", file=sys.stderr)
        sys.exit(1)


def run_lighthouse(url: str, out: Path, chrome: str, shim: bool) -> dict[str, Any]:
    """One Lighthouse run; writes ``out``.report.json and .html, returns the report."""
    node = shutil.which("node") or "node"
    command = [
        node,
        *(["--import", SHIM_IMPORT] if shim else []),
        str(LIGHTHOUSE_CLI),
        url,
        "--output=json",
        "--output=html",
        f"--output-path={out}",
        "--quiet",
        f"--chrome-flags={' '.join(CHROME_FLAGS)}",
    ]
    env = {**os.environ, "CHROME_PATH": chrome}
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=300, check=False
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError("Lighthouse did not finish within 300 s") from None
    report_file = out.with_name(out.name + ".report.json")
    if not report_file.exists():
        output = (done.stderr or done.stdout).strip()[-2000:]
        raise RuntimeError(f"Lighthouse failed ({done.returncode}): {output}")
    lhr = json.loads(report_file.read_text())
    if lhr.get("runtimeError"):
        error = lhr["runtimeError"]
        raise RuntimeError(f"Lighthouse: {error.get('code')}: {error.get('message')}")
    return lhr
