"""The rows of a large plain sheet made over whole columns (write/sheet_rows.py) and spliced into
the workbook (write/joined_book.py): the workbook is, part by part, the one the writer writes in
one call — for any text and whole numbers, blanks and blank rows included — and a value the writer
writes its own way (control characters, `_xHHHH_`, surrounding spaces, fractions, true/false,
text too long for a cell) is left to the writer."""

from __future__ import annotations

import io
import re
import zipfile
import zlib

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greencomm.write import result_books, sheet_rows
from greencomm.write.result_books import ResultSheet, write_book

# text as districts type it, and the characters the writer treats apart
ALPHABET = st.sampled_from([*"芙蓉区第号社区是否无", *"ab Z09%.-", "&", "<", ">", '"', "'", "\t", "\n", "_", "x",
                            "\x01", "\x1f", "\x7f", "\u3000", "\ufffe", "（", "）", "😀"])  # fmt: skip
TEXT = st.text(ALPHABET, max_size=8)
VALUE = st.one_of(st.none(), TEXT, st.integers(-(10**16), 10**16), st.sampled_from([True, False]), st.floats())
PLAIN_VALUE = st.one_of(st.none(), st.text(st.sampled_from([*"芙蓉区是否ab09%&<>\"'_x（）😀"]), max_size=6),
                        st.integers(-(10**14), 10**14))  # fmt: skip


def _parts(book: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        assert archive.testzip() is None
        return {i.filename: archive.read(i) for i in archive.infolist() if i.filename != "docProps/core.xml"}


def _both(frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> tuple[bytes, bytes, list[bool]]:
    """The workbook of a list and the carried sheet, written in one call and with its rows made apart."""
    made: list[bool] = []

    def spy(frame: pd.DataFrame, layout: sheet_rows.Layout = sheet_rows.PLAIN) -> sheet_rows.Rows | None:
        rows = sheet_rows.data_rows(frame, layout)
        if layout.top == 0:  # the carried sheet (the list has a title)
            made.append(rows is not None)
        return rows

    sheets = [ResultSheet("名单", pd.DataFrame({"社区名称": ["甲"], "总分": [90.5]}), ["总分"], title="名单（1个）"),
              ResultSheet("申报汇总表", frame, plain=True)]  # fmt: skip
    monkeypatch.setattr(result_books, "data_rows", spy)
    monkeypatch.setattr(result_books, "APART_CELLS", 10**12)
    monkeypatch.setattr(result_books, "LAID_CELLS", 10**12)
    whole = write_book(sheets)
    monkeypatch.setattr(result_books, "APART_CELLS", 1)
    monkeypatch.setattr(result_books, "LAID_CELLS", 1)
    return whole, write_book(sheets), made


def _is_plain(value: object) -> bool:
    """What the rows are made of without the writer (the module's doc), said independently."""
    if value is None or value == "":
        return True
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return False
    if isinstance(value, float):
        return value != value or value == 0 or 1e-4 <= abs(value) < 10**15  # not-a-number: a blank
    if isinstance(value, int):
        return abs(value) < 10**15
    return not (
        re.search(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_", value)
        or value[0] in " \t\n"
        or value[-1] in " \t\n"
        or len(value) > 32_767
    )


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_rows_made_apart_are_the_rows_the_writer_writes(data: st.DataObject) -> None:
    monkeypatch = pytest.MonkeyPatch()
    width = data.draw(st.integers(1, 4))
    value = data.draw(st.sampled_from([VALUE, PLAIN_VALUE]))
    rows = data.draw(st.lists(st.lists(value, min_size=width, max_size=width), min_size=1, max_size=12))
    frame = pd.DataFrame(rows, columns=[f"列{n}" for n in range(width)], dtype=object)
    # blocks of a few rows: a column worded whole may hold text in one block, numbers or blanks in the next
    monkeypatch.setattr(sheet_rows, "BLOCK_ROWS", data.draw(st.integers(1, 13)))
    # columns of a kind worked on together a few at a time: some escaped or blanked, others as they are
    monkeypatch.setattr(sheet_rows, "GROUP_BYTES", data.draw(st.integers(1, 400)))
    try:
        whole, apart, made = _both(frame, monkeypatch)
    finally:
        monkeypatch.undo()
    assert _parts(apart) == _parts(whole)
    assert made == [all(_is_plain(v) for v in frame.to_numpy().ravel())]


def test_blocks_blank_rows_and_the_used_range(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows made a block at a time; blank rows (at the end too) not written, the filter reaching
    the last row all the same; a column of blanks, a column blank in some rows."""
    monkeypatch.setattr(sheet_rows, "BLOCK_ROWS", 7)
    frame = pd.DataFrame(
        {
            "序号": [*range(1, 41), None, None],
            "社区名称": [f"第{n}号社区" if n % 3 else "" for n in range(40)] + [None, None],
            "市级称号获得年份": [None] * 42,
            "户数": [n * 7 if n % 5 else None for n in range(40)] + [None, None],
        },
        dtype=object,
    )
    frame.iloc[20:30] = None  # blank rows within
    whole, apart, made = _both(frame, monkeypatch)
    assert made == [True] and _parts(apart) == _parts(whole)
    sheet = openpyxl.load_workbook(io.BytesIO(apart))["申报汇总表"]
    assert sheet.dimensions == "A1:D41" and sheet.auto_filter.ref == "A1:D43"
    assert sheet["B3"].value == "第1号社区" and sheet["A22"].value is None and sheet["D2"].value is None


def test_the_deflated_rows_are_one_stream_with_the_sheet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Head, rows and tail deflated apart read as one stream, and the CRC the archive checks is the
    CRC of the whole (testzip reads every entry)."""
    frame = pd.DataFrame({"a": [f"值{n}" for n in range(3000)], "b": list(range(3000))}, dtype=object)
    _, apart, _ = _both(frame, monkeypatch)
    with zipfile.ZipFile(io.BytesIO(apart)) as archive:
        assert archive.testzip() is None
        info = archive.getinfo("xl/worksheets/sheet2.xml")
        xml = archive.read(info)
    assert zlib.crc32(xml) == info.CRC and xml.count(b"<row ") == 3001


def test_a_sheet_without_rows_has_its_header_row_once() -> None:
    """The writer repeats the header's height as an empty row after a sheet without data rows
    (an empty list: <row r="2" …/> after row 2): every row is written once, in order."""
    empty = pd.DataFrame({"社区名称": [], "总分": []}, dtype=object)
    book = write_book([ResultSheet("示范社区", empty, ["总分"], title="名单（0个）"), ResultSheet("空表", empty)])
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        for name in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"):
            numbers = [int(n) for n in re.findall(rb'<row r="(\d+)"', archive.read(name))]
            assert numbers == sorted(set(numbers)) and numbers
    sheet = openpyxl.load_workbook(io.BytesIO(book))["示范社区"]
    assert sheet["A2"].value == "社区名称" and sheet.row_dimensions[2].height > 15


@pytest.mark.parametrize(
    "odd", ["_x0041_", "a\x01b", " lead", "trail ", "tab\t", "\ufffe", "a\r\nb", 1e-5, 1e16, True, 10**15, -(10**15)]
)
def test_a_value_the_writer_writes_its_own_way_leaves_the_sheet_to_it(
    monkeypatch: pytest.MonkeyPatch, odd: object
) -> None:
    frame = pd.DataFrame({"名称": ["甲", odd, "乙"], "户数": [1, 2, 3]}, dtype=object)
    whole, apart, made = _both(frame, monkeypatch)
    assert made == [False] and _parts(apart) == _parts(whole)
    plain = frame.replace({odd: "丙"}) if isinstance(odd, str) else frame.assign(户数=[1, 2, 3], 名称="丁")
    assert _both(plain, monkeypatch)[2] == [True]


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_rows_of_a_list_with_coloured_and_tall_rows_are_the_rows_the_writer_writes(data: st.DataObject) -> None:
    """A list (a title above its header, scores shown with 2 decimals, rows coloured by status,
    long reasons wrapped into tall rows) made apart: each row's format by the number the writer
    gave it, each tall row's height as the writer writes it, the ranges reaching the last row."""
    width = data.draw(st.integers(1, 3))
    count = data.draw(st.integers(1, 12))
    value = st.one_of(
        PLAIN_VALUE, st.floats(0, 100).map(lambda x: round(x, 2)), st.text("原因很长的一段文字", max_size=90)
    )
    rows = data.draw(st.lists(st.lists(value, min_size=width, max_size=width), min_size=count, max_size=count))
    frame = pd.DataFrame(rows, columns=["总分", *(f"列{n}" for n in range(1, width))], dtype=object)
    colours = data.draw(st.dictionaries(st.integers(0, count - 1), st.sampled_from(["#C6EFCE", "#FFEB9C", "#FFC7CE"])))
    title = data.draw(st.sampled_from(["", "名单（n个）"]))
    sheet = ResultSheet("名单", frame, ["总分"], wide=frame.columns[-1:], row_colours=colours, title=title)
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(sheet_rows, "BLOCK_ROWS", data.draw(st.integers(1, 13)))
    monkeypatch.setattr(sheet_rows, "GROUP_BYTES", data.draw(st.integers(1, 400)))
    made: list[bool] = []

    def spy(frame: pd.DataFrame, layout: sheet_rows.Layout = sheet_rows.PLAIN) -> sheet_rows.Rows | None:
        rows = sheet_rows.data_rows(frame, layout)
        made.append(rows is not None)
        return rows

    try:
        monkeypatch.setattr(result_books, "data_rows", spy)
        monkeypatch.setattr(result_books, "APART_CELLS", 10**12)
        monkeypatch.setattr(result_books, "LAID_CELLS", 10**12)
        whole = write_book([sheet])
        monkeypatch.setattr(result_books, "APART_CELLS", 1)
        monkeypatch.setattr(result_books, "LAID_CELLS", 1)
        apart = write_book([sheet])
    finally:
        monkeypatch.undo()
    assert _parts(apart) == _parts(whole)
    laid = bool(colours)  # else its wrapped column has a format of its own: the writer writes it all
    assert made == ([all(_is_plain(v) for v in frame.to_numpy().ravel())] if laid else [])
