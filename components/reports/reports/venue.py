"""The venue's time zone and dates. In the component the zones come from the generated module
`reports_zones` (TZif bytes of the pinned tzdata: componentize-py's Python cannot load tzdata's
resources); natively, from the system or the tzdata package."""

from __future__ import annotations

import base64
import io
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

try:
    from reports_zones import TZIF as _TZIF  # type: ignore[import-not-found]
except ImportError:  # native runs (pytest)
    _TZIF = None

DEFAULT_ZONE = "Asia/Seoul"
_cache: dict[str, ZoneInfo] = {}


class UnknownZone(ValueError):
    pass


def zone(name: str) -> ZoneInfo:
    name = name.strip() or DEFAULT_ZONE
    if name not in _cache:
        if _TZIF is not None:
            if name not in _TZIF:
                raise UnknownZone(f"unsupported venue_timezone {name!r} (supported: {', '.join(sorted(_TZIF))})")
            _cache[name] = ZoneInfo.from_file(io.BytesIO(base64.b64decode(_TZIF[name])), key=name)
        else:
            try:
                _cache[name] = ZoneInfo(name)
            except (ValueError, OSError, ZoneInfoNotFoundError) as e:  # the last is a KeyError
                raise UnknownZone(f"unsupported venue_timezone {name!r}: {e}") from None
    return _cache[name]


def venue_date(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def today(tz: ZoneInfo, now: datetime | None = None) -> date:
    return venue_date(now or datetime.now(timezone.utc), tz)
