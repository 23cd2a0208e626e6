"""The committed sample data: reproducible, valid where it should be, wrong exactly where planted."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from greencomm.programme import load_programme
from greencomm.programme.headers import header_base
from greencomm.programme.layouts import (
    REGISTER_SHEET,
    REVIEW_SHEET,
    SUBMISSION_SHEET,
    Column,
    column_for_header,
    register_columns,
    review_columns,
    submission_columns,
)
from greencomm.read import values
from greencomm.read.names import name_key

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
YEAR = 2026
PROGRAMME = load_programme(year=YEAR)
COLUMNS = submission_columns(PROGRAMME)
PARSERS = {
    "text": values.parse_text,
    "integer": values.parse_integer,
    "number": values.parse_number,
    "percent": values.parse_percent,
    "yesno": values.parse_yes_no,
    "year": values.parse_year,
    "date": values.parse_date,
    "phone": values.parse_phone,
}


def sheet_values(path: Path) -> dict[str, list[tuple[object, ...]]]:
    wb = load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def workbooks(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.xlsx") if not p.name.startswith("~$"))


def test_regenerating_gives_the_committed_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(SAMPLE / "generate.py"), "--out", str(tmp_path)], check=True, capture_output=True
    )
    # the 绿色社区 year in green/ has its own generator and test (tests/test_green_year.py)
    committed = [p.relative_to(SAMPLE) for p in workbooks(SAMPLE) if p.relative_to(SAMPLE).parts[0] != "green"]
    assert [p.relative_to(tmp_path) for p in workbooks(tmp_path)] == committed
    for rel in committed:
        assert sheet_values(tmp_path / rel) == sheet_values(SAMPLE / rel), rel
    for rel in ("flawed/planted.json", "designed_cases.json"):
        assert (tmp_path / rel).read_text("utf-8") == (SAMPLE / rel).read_text("utf-8"), rel


# ---------------------------------------------------------------- reading as greencomm does
def find_header(ws: Worksheet, columns: tuple[Column, ...]) -> tuple[int, dict[int, Column]]:
    """The header row (1-based) and the column of each header cell (0-based index)."""
    for r, row in enumerate(ws.iter_rows(min_row=1, max_row=10, values_only=True), start=1):
        found = {}
        for j, cell in enumerate(row):
            if cell is not None:
                for col in columns:
                    if header_base(cell) in col.accepted:
                        assert col not in found.values(), f"{col.header} twice in row {r}"
                        found[j] = col
        if len(found) >= 4:
            return r, found
    raise AssertionError(f"no header row in {ws.title}")


def table(ws: Worksheet, columns: tuple[Column, ...]) -> Iterator[dict[str, tuple[str, object]]]:
    """Each data row as {column key: (A1 cell, raw value)}."""
    header, found = find_header(ws, columns)
    for row in ws.iter_rows(min_row=header + 1):
        if all(values.is_blank(c.value) for c in row):
            continue
        yield {col.key: (row[j].coordinate, row[j].value) for j, col in found.items()}


def parse(col: Column, raw: object) -> tuple[object, str | None]:
    if values.is_blank(raw) and not col.value_required:
        return None, None
    if col.type == "choice":
        value, problem = values.parse_choice(raw, col.choices)
    else:
        value, problem = PARSERS[col.type](raw)
    if problem is None and value is not None and col.type in ("integer", "number"):
        low_ok = (col.minimum is None or value >= col.minimum) and (col.above is None or value > col.above)
        if not low_ok or (col.maximum is not None and value > col.maximum):
            return None, "number-out-of-range"
    return value, problem


def sheet_problems(ws: Worksheet, seen: dict[tuple[str, str], str]) -> list[tuple[str, str]]:
    """(cell, code) of every data error of a 申报汇总表, as docs/rules.md#district-workbook says."""
    _, found = find_header(ws, COLUMNS)
    present = {col.key for col in found.values()}
    problems = [("", "missing-column") for col in COLUMNS if col.required and col.key not in present]
    if problems:  # the sheet is not read further
        return problems
    merges = [m for m in ws.merged_cells.ranges if m.max_row > find_header(ws, COLUMNS)[0]]
    for cells in table(ws, COLUMNS):
        by_key = {col.key: col for col in COLUMNS}
        parsed = {}
        for key, (cell, raw) in cells.items():
            merge = next((m for m in merges if cell in m), None)
            if merge is not None:  # one problem at the merge's first cell, none inside it
                if cell == merge.start_cell.coordinate:
                    problems.append((cell, "merged-cells"))
                parsed[key] = raw if cell == merge.start_cell.coordinate else None
                continue
            kind = ws[cell].data_type
            if kind in ("e", "f") or (isinstance(raw, str) and len(raw) > 500):
                code = {"e": "excel-error", "f": "formula-not-calculated"}.get(kind, "text-too-long")
                problems.append((cell, code))
                parsed[key] = None
                continue
            parsed[key], problem = parse(by_key[key], raw)
            if problem:
                problems.append((cell, problem))
        total, closed = parsed.get("complaints"), parsed.get("complaints_closed")
        if total is not None and closed is not None and closed > total:
            problems.append((cells["complaints_closed"][0], "closed-exceeds-total"))
        title, title_year = parsed.get("city_title"), parsed.get("city_title_year")
        if title not in (None, "无") and title_year is None and values.is_blank(cells["city_title_year"][1]):
            problems.append((cells["city_title_year"][0], "city-title-year-missing"))
        if title_year is not None and title_year > YEAR:
            problems.append((cells["city_title_year"][0], "year-in-future"))
        for item in PROGRAMME.rubric.items:
            base = column_for_header(COLUMNS, item.ratio_of).key if item.ratio_of else None
            value, limit = parsed.get(item.id), parsed.get(base) if base else None
            if value is not None and limit is not None and value > limit:
                problems.append((cells[item.id][0], "ratio-exceeds-base"))
        if parsed.get("district") and parsed.get("community"):
            key = (name_key(parsed["district"]), name_key(parsed["community"]))
            if key in seen:
                problems.append((cells["community"][0], "duplicate-community"))
            seen[key] = cells["community"][0]
    return problems


def submission_rows() -> Iterator[tuple[str, dict[str, object]]]:
    by_key = {col.key: col for col in COLUMNS}
    for path in workbooks(SAMPLE / "submissions"):
        for cells in table(load_workbook(path)[SUBMISSION_SHEET], COLUMNS):
            yield path.name, {key: parse(by_key[key], raw)[0] for key, (_, raw) in cells.items()}


# ---------------------------------------------------------------- the year's submissions
def test_every_submission_cell_parses_and_keeps_the_rules() -> None:
    seen: dict[tuple[str, str], str] = {}
    for path in workbooks(SAMPLE / "submissions"):
        assert sheet_problems(load_workbook(path)[SUBMISSION_SHEET], seen) == [], path.name
    assert 110 <= len(seen) <= 130


def test_submissions_cover_the_designed_cases() -> None:
    rows = [row for _, row in submission_rows()]
    districts = set(PROGRAMME.settings.districts)
    per_district = {d: sum(r["district"] == d for r in rows) for d in districts}
    assert all(18 <= n <= 22 for n in per_district.values()), per_district
    assert 35 <= sum(r["target"] == "节能环保示范社区" for r in rows) <= 40
    assert [r["district"] for r in rows if r["district"] not in districts] == ["长沙县"]  # Q1
    assert sum(r["district_title_year"] is None for r in rows) == 1  # Q2
    assert sum((r["district_title_year"] or 0) > YEAR for r in rows) == 1
    assert sum(r["recommendation"] == "不同意推荐" for r in rows) == 2  # Q4
    assert 1 <= sum(r["occupancy"] < 60 for r in rows) <= 2  # V1
    assert 1 <= sum(bool(r["penalty"]) for r in rows) <= 2  # V2
    assert 1 <= sum(r["complaints_closed"] < r["complaints"] for r in rows) <= 2  # V3
    assert 1 <= sum(bool(r["incident"]) for r in rows) <= 2  # V4
    assert 1 <= sum(r["E6"] < 60 for r in rows) <= 2  # V5
    assert 2 <= sum(r["fill_date"].month > 9 for r in rows) <= 3  # late


def test_city_titles_agree_with_the_register() -> None:
    by_key = {col.key: col for col in register_columns(PROGRAMME)}
    ws = load_workbook(SAMPLE / "register.xlsx")[REGISTER_SHEET]
    register = [
        {key: parse(by_key[key], raw)[0] for key, (_, raw) in cells.items()}
        for cells in table(ws, register_columns(PROGRAMME))
    ]
    assert all(2020 <= e["year"] < YEAR for e in register)
    assert all(10 <= sum(e["year"] == y for e in register) <= 25 for y in range(2020, YEAR))
    assert any(e["state"] == "撤销" for e in register)
    valid = {(e["district"], e["community"]): (e["title"], e["year"]) for e in register if e["state"] == "有效"}
    for _, row in submission_rows():
        held = valid.get((name_key(row["district"]), name_key(row["community"])))
        if row["city_title"] == "无":
            assert held is None, row["community"]
        else:
            assert held == (row["city_title"], row["city_title_year"]), row["community"]


def test_review_sheets_score_known_communities_within_range() -> None:
    columns = review_columns(PROGRAMME)
    known = {(name_key(r["district"]), name_key(r["community"])) for _, r in submission_rows()}
    reviewed = []
    for path in workbooks(SAMPLE / "reviews"):
        rows = list(table(load_workbook(path)[REVIEW_SHEET], columns))
        assert 30 <= len(rows) <= 38, path.name
        for cells in rows:
            home, district = cells["reviewer_district"][1], cells["district"][1]
            assert (name_key(district), name_key(cells["community"][1])) in known
            for item in PROGRAMME.rubric.review_items:
                cell, raw = cells[item.id]
                if home == district:
                    assert raw is None, f"{path.name} {cell}: a recused reviewer's score"
                else:
                    assert 0 <= values.parse_number(raw)[0] <= item.max, f"{path.name} {cell}"
        reviewed.append([cells["community"][1] for cells in rows])
    assert len(reviewed) == 5 and all(r == reviewed[0] for r in reviewed)


# ---------------------------------------------------------------- planted errors
PLANTED = json.loads((SAMPLE / "flawed" / "planted.json").read_text("utf-8"))


@pytest.mark.parametrize("entry", PLANTED, ids=lambda e: f"{e['file']}:{e['cell']}:{e['code']}")
def test_planted_entries_point_at_existing_cells(entry: dict[str, str]) -> None:
    path = SAMPLE / "flawed" / entry["file"]
    assert path.exists()
    ws = load_workbook(path)[entry["sheet"]]
    if entry["code"] == "missing-column":
        assert entry["cell"] == ""
    else:
        header, _ = find_header(ws, COLUMNS)
        assert ws[entry["cell"]].row > header


def test_planted_errors_are_exactly_the_errors() -> None:
    seen: dict[tuple[str, str], str] = {}
    found = []
    for path in workbooks(SAMPLE / "flawed"):
        for cell, code in sheet_problems(load_workbook(path)[SUBMISSION_SHEET], seen):
            found.append({"file": path.name, "sheet": SUBMISSION_SHEET, "cell": cell, "code": code})
    key = lambda e: (e["file"], e["cell"], e["code"])  # noqa: E731
    assert sorted(found, key=key) == sorted(PLANTED, key=key)
    codes = {e["code"] for e in PLANTED}
    assert len(codes) == 22, codes
