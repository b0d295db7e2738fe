"""The sales report as CSV for spreadsheets (docs/reports.md): UTF-8 with a byte-order mark,
RFC 4180 quoting, amounts as whole KRW, a TOTAL line last, and no formula injection through a
text field (a movie title starting with `=`, `+`, `-` or `@` is prefixed with `'`)."""

from __future__ import annotations

import csv
import io

HEADER = (
    "key", "label", "screenings", "capacity", "tickets_sold", "seats_held", "occupancy_pct",
    "takings", "refunds", "net", "confirmed", "pending", "cancelled", "rejected", "abandoned",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _line(key: str, label: str, row: dict) -> list[str]:
    b = row["bookings"]
    return [
        safe_text(key), safe_text(label),
        str(row["screenings"]), str(row["capacity"]), str(row["tickets_sold"]), str(row["seats_held"]),
        f"{row['occupancy_pct']:.1f}",
        str(row["takings"]["amount"]), str(row["refunds"]["amount"]), str(row["net"]["amount"]),
        *(str(b[k]) for k in ("confirmed", "pending", "cancelled", "rejected", "abandoned")),
    ]


def render(report: dict) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(HEADER)
    for row in report["rows"]:
        w.writerow(_line(row["key"], row["label"], row))
    w.writerow(_line("TOTAL", "", report["totals"]))
    return "\ufeff".encode() + out.getvalue().encode()


def filename(report: dict) -> str:
    return f"sales-{report['group']}-{report['from']}-{report['to']}.csv"
