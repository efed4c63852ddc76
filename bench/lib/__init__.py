"""What the benchmarks in bench/ share (bench/README.md, "Layout", says which module
holds what). A script run as ``python bench/<name>.py`` has bench/ on ``sys.path``, so
it imports these as ``lib.<module>``; importing the package puts the repository root on
``sys.path`` too, so that ``articles`` and ``newsroom`` import from this working tree.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
