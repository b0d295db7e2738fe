"""The sales report as CSV: byte-order mark, the header of docs/reports.md, RFC 4180 quoting, a
TOTAL line last, and no formula injection through a movie title."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import wire
from fakes import FakeStore
from reports import csv_export, projector, queries
from reports.queries import SalesQuery
from reports.venue import zone

SEOUL = zone("Asia/Seoul")
NOW = datetime(2026, 12, 5, 10, 5, tzinfo=timezone.utc)
DOCS = Path(__file__).resolve().parents[3] / "docs" / "reports.md"
BOM = "\ufeff".encode()


def documented_header() -> str:
    found = re.search(r"Header row `([^`]+)`", DOCS.read_text(encoding="utf-8"))
    assert found, "docs/reports.md names no CSV header row"
    return found.group(1)


def movie_report(*titles: str) -> dict[str, Any]:
    wires: list[dict[str, Any]] = []
    for i, title in enumerate(titles, start=1):
        sid = f"s-{i}"
        wires.append(wire.scheduled(sid, starts_at=f"2026-12-0{i}T10:00:00Z", movie_id=f"m-{i}", title=title, row_seats=(8,)))
        wires.append(wire.placed(f"r-{i}", sid, ("A1",), total=1000 * (10 - i)))
        wires.append(wire.confirmed(f"r-{i}", sid, ("A1",), total=1000 * (10 - i)))
    store = FakeStore()
    projector.project(store, [wire.parsed(w) for w in wires], NOW)
    q = SalesQuery(date(2026, 12, 1), date(2026, 12, 7), "movie")
    return queries.sales(queries.screenings_between(store, q.first, q.last, SEOUL), q, SEOUL, NOW, "2026-12-05T10:05:00.000Z")


def lines(body: bytes) -> list[str]:
    assert body.startswith(BOM)
    text = body[len(BOM):].decode("utf-8")
    assert text.endswith("\r\n")
    return text[: -len("\r\n")].split("\r\n")


def records(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body[len(BOM):].decode("utf-8"), newline="")))


def test_the_csv_starts_with_a_bom_and_the_documented_header() -> None:
    body = csv_export.render(movie_report("기생충"))
    assert body[:3] == b"\xef\xbb\xbf"
    assert lines(body)[0] == documented_header()
    assert documented_header().startswith("key,label,screenings,")


def test_one_line_per_row_then_the_totals() -> None:
    report = movie_report("기생충", "듄: 파트 2")
    rows = records(csv_export.render(report))
    assert len(rows) == 1 + len(report["rows"]) + 1
    assert rows[1] == ["m-1", "기생충", "1", "8", "1", "0", "12.5", "9000", "0", "9000", "1", "0", "0", "0", "0"]
    assert rows[2][:2] == ["m-2", "듄: 파트 2"]
    assert rows[-1] == ["TOTAL", "", "2", "16", "2", "0", "12.5", "17000", "0", "17000", "2", "0", "0", "0", "0"]


def test_a_title_with_a_comma_and_a_quote_is_quoted_as_rfc_4180_says() -> None:
    title = 'Dune, "Part Two"'
    body = csv_export.render(movie_report(title))
    assert lines(body)[1].startswith('m-1,"Dune, ""Part Two""",1,')
    assert records(body)[1][1] == title


@pytest.mark.parametrize("title", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1:A2)"])
def test_a_title_that_a_spreadsheet_would_run_is_prefixed_with_a_quote(title: str) -> None:
    body = csv_export.render(movie_report(title))
    assert records(body)[1][1] == "'" + title


def test_a_title_with_a_formula_sign_inside_is_left_alone() -> None:
    body = csv_export.render(movie_report("Mission: Impossible - Dead Reckoning"))
    assert records(body)[1][1] == "Mission: Impossible - Dead Reckoning"


def test_the_file_name_names_group_and_range() -> None:
    assert csv_export.filename(movie_report("기생충")) == "sales-movie-2026-12-01-2026-12-07.csv"
