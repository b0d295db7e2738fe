"""Puts the reports core (`components/reports/reports`) and the test helpers next to this file
on the import path. `app.py` needs spin_sdk's bindings and is never imported here."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
COMPONENT = TESTS.parent

for path in (COMPONENT, TESTS):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
