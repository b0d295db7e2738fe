"""Log lines in the platform's shape (crates/http `log`): one JSON object per line, `ts`, `level`,
`context`, `msg`, then the fields; info on stdout, warnings and errors on stderr."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone

CONTEXT = "reports"


def now_rfc3339(now: datetime | None = None) -> str:
    t = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def log(level: str, msg: str, **fields: str) -> None:
    line = {"ts": now_rfc3339(), "level": level, "context": CONTEXT, "msg": msg}
    for k, v in fields.items():
        line.setdefault(k, v)
    print(json.dumps(line, ensure_ascii=False, separators=(",", ":")), file=sys.stdout if level == "info" else sys.stderr, flush=True)
