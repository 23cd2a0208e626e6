"""The fast reader (fastexcel) and the reference reader (openpyxl) give identical validation results:
the same problems at the same cells and the same typed values, on the sample year, the flawed
workbooks, and sheets that do not start at A1."""

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import WriteBook, valid_row
from greencomm.api import validate
from greencomm.programme import Programme
from greencomm.read.workbook import as_text, read_workbook

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"


def _both(monkeypatch: pytest.MonkeyPatch, programme: Programme, *paths: Path, **kw: object) -> tuple:
    out = []
    for engine in ("fastexcel", "openpyxl"):
        monkeypatch.setenv("GREENCOMM_READER", engine)
        report = validate(list(paths), programme, **kw)  # type: ignore[arg-type]
        out.append(report)
    return tuple(out)


def _same(fast: object, slow: object) -> None:
    assert [p.to_dict() for p in fast.problems] == [p.to_dict() for p in slow.problems]  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(fast.submissions.frame, slow.submissions.frame)  # type: ignore[attr-defined]


def test_sample_year_reads_the_same(monkeypatch: pytest.MonkeyPatch, programme: Programme) -> None:
    fast, slow = _both(monkeypatch, programme, SAMPLE / "submissions", reviews=[SAMPLE / "reviews"],
                       register=SAMPLE / "register.xlsx")  # fmt: skip
    _same(fast, slow)
    pd.testing.assert_frame_equal(fast.inputs.reviews.frame, slow.inputs.reviews.frame)
    pd.testing.assert_frame_equal(fast.inputs.register.frame, slow.inputs.register.frame)
    pd.testing.assert_frame_equal(fast.inputs.activities, slow.inputs.activities)


def test_flawed_workbooks_read_the_same(monkeypatch: pytest.MonkeyPatch, programme: Programme) -> None:
    fast, slow = _both(monkeypatch, programme, SAMPLE / "flawed")
    _same(fast, slow)
    assert any(p.is_error for p in fast.problems)


def test_a_table_not_at_a1_keeps_its_addresses(
    monkeypatch: pytest.MonkeyPatch, programme: Programme, write_submission: WriteBook, tmp_path: Path
) -> None:
    path = write_submission([valid_row(occupancy="120%"), valid_row(community="文庙坪社区", phone="123")])
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    sheet.insert_rows(1, 3)  # blank rows above the title
    sheet.insert_cols(1, 2)  # blank columns left of the table
    book.save(path)
    fast, slow = _both(monkeypatch, programme, path)
    _same(fast, slow)
    assert {(p.cell, p.code) for p in fast.problems} == {("J6", "percent-out-of-range"), ("AX7", "invalid-phone")}


def test_values_are_written_as_the_fast_reader_shows_them() -> None:
    import datetime as dt

    assert as_text(0.30000000000000004) == "0.3"
    assert as_text(1 / 3) == "0.333333333"
    assert as_text(4732.0) == "4732"
    assert as_text(True) == "true"
    assert as_text(dt.datetime(2026, 9, 15)) == "2026-09-15 00:00:00"
    assert as_text("") is None


def test_hidden_sheets_are_known_without_reading_them(write_submission: WriteBook) -> None:
    path = write_submission([valid_row()])
    book = openpyxl.load_workbook(path)
    book.create_sheet("备注").sheet_state = "hidden"
    book.save(path)
    read = read_workbook(path)
    assert read.sheet_names == ["申报汇总表", "备注"] and read.visible_names == ["申报汇总表"]


def test_bad_input_corpus_reads_the_same(monkeypatch: pytest.MonkeyPatch, programme: Programme, tmp_path: Path) -> None:
    from make_corpus import build

    build(tmp_path / "corpus")
    # stopped by the fast reader's memory cap; the reference reader has none (and openpyxl reads only
    # within the <dimension> a sheet declares, so it never sees the far cell)
    (tmp_path / "corpus" / "far-cell-character-reference.xlsx").unlink()
    fast, slow = _both(monkeypatch, programme, tmp_path / "corpus")
    _same(fast, slow)
    assert len(fast.problems) >= 10


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.tuples(st.integers(1, 70), st.integers(1, 12)), st.sampled_from(["x", "1", "是", "85%"]),
                       max_size=12))  # fmt: skip
def test_every_value_is_read_at_its_address(tmp_path: Path, cells: dict[tuple[int, int], str]) -> None:
    """Whatever blank rows stand above a sheet's first value and blank columns left of it, each
    reader gives every value at its own row and column (the fast one lays the sheet out from row 1,
    the blank rows above its first value left out in the reading process)."""
    path = tmp_path / "cells.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "申报汇总表"
    for (row, column), value in cells.items():
        sheet.cell(row, column, value)
    book.save(path)
    for engine in ("fastexcel", "openpyxl"):
        read = read_workbook(path, engine=engine).sheet("申报汇总表")
        found = {(read.row0 + r, read.col0 + c): v for c, column in enumerate(read.columns)
                 for r, v in enumerate(column.to_pylist()) if v is not None}  # fmt: skip
        assert found == cells, engine
        assert not cells or read.columns[0].null_count < read.height  # starts at its first valued column
        assert not cells or any(column[0].is_valid for column in read.columns)  # and row
