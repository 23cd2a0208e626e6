"""A large sheet written beside the rest of its workbook and joined in (write/joined_book.py): the
joined workbook holds exactly what the workbook written in one call holds, part by part; when the
two files would number a format differently, the join refuses and the workbook is written in one call."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greencomm.api import evaluate
from greencomm.programme import load_programme
from greencomm.write import joined_book, result_books, sheet_rows

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"


def _parts(book: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        assert archive.testzip() is None
        return {info.filename: archive.read(info) for info in archive.infolist()}


@pytest.mark.parametrize("build", ["shortlist_workbook", "rank_workbook", "scored_workbook"])
@pytest.mark.parametrize("year", ["", "green"])  # 节能环保社区 (two tiers, money), 绿色社区 (one tier, none)
def test_a_sheet_written_apart_and_joined_is_the_sheet_written_in_one_call(
    monkeypatch: pytest.MonkeyPatch, build: str, year: str
) -> None:
    """The carried 申报汇总表 starts writing before the lists are made (a first sheet with a title
    row in a shortlist, without one in score and rank): the joined workbook is the one-call one."""
    folder = SAMPLE / year
    programme = load_programme(folder / "greencomm.toml" if year else None, 2026)
    results = evaluate([folder / "submissions"], programme)
    joins: list[tuple[bool, list[str]]] = []  # whether it joined, and the sheets whose rows were made apart

    def spy(main: bytes, rows: dict[str, sheet_rows.Rows]) -> bytes | None:
        joined = joined_book.join(main, rows)
        joins.append((joined is not None, sorted(name for name, made in rows.items() if made is not None)))
        return joined

    monkeypatch.setattr(result_books, "join", spy)
    monkeypatch.setattr(result_books, "APART_CELLS", 10**12)
    monkeypatch.setattr(result_books, "LAID_CELLS", 10**12)
    in_one_call = getattr(result_books, build)(results)
    monkeypatch.setattr(result_books, "APART_CELLS", 100)  # the carried 申报汇总表 (and more) written apart
    monkeypatch.setattr(result_books, "LAID_CELLS", 100)
    joined = getattr(result_books, build)(results)
    assert joins[-1][0] and "申报汇总表" in joins[-1][1] and not any(made for _, made in joins[:-1])
    one, two = _parts(in_one_call), _parts(joined)
    assert list(one) == list(two)
    changed = [name for name in one if one[name] != two[name] and name != "docProps/core.xml"]  # core: a timestamp
    assert changed == []
    for name, xml in one.items():  # the writer's repeated rows dropped: every row once, in order
        if name.startswith("xl/worksheets/"):
            numbers = [int(n) for n in re.findall(rb'<row r="(\d+)"', xml)]
            assert numbers == sorted(set(numbers)), name
    book = openpyxl.load_workbook(io.BytesIO(joined))
    sheet = book["申报汇总表"]
    assert sheet.max_row == len(results.standing) + 1 and sheet["A1"].font.b
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"


@pytest.mark.parametrize("year", ["", "green"])
def test_names_and_reasons_converted_once_write_what_the_python_values_write(
    monkeypatch: pytest.MonkeyPatch, year: str
) -> None:
    """The workbook and `--json` take the results' names and reasons in Arrow, converted once
    (Results.in_arrow): what they write is what the Python values write, names and reasons that
    JSON must escape (a quote, a backslash) included."""
    import pyarrow as pa

    from greencomm.judge.results import Results
    from greencomm.write import records

    folder = SAMPLE / year
    programme = load_programme(folder / "greencomm.toml" if year else None, 2026)

    def written() -> tuple[dict[str, bytes], bytes]:
        results = evaluate([folder / "submissions"], programme)
        first, failed = results.table.index[0], results.table.index[results.table.status == "未通过"][0]
        results.table.loc[first, "community"] = '幸福"里\\社区'
        results.table.at[failed, "reasons"] = [*results.table.at[failed, "reasons"], '说明"见\\附件']
        results.reason_lists = pa.array(results.table.reasons.tolist(), pa.list_(pa.string()))  # as judging makes them
        book = _parts(result_books.shortlist_workbook(results))
        book.pop("docProps/core.xml")  # a timestamp
        return book, b"".join(bytes(piece) for piece in records.results_json_bytes(results))

    shared = written()
    monkeypatch.setattr(Results, "in_arrow", lambda self, column: None)
    assert written() == shared
    assert '"幸福\\"里\\\\社区"'.encode() in shared[1]  # escaped as the encoder escapes it


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.integers(2, 400), st.sampled_from("abcd"), max_size=60), st.integers(0, 1))
def test_the_model_rows_are_the_first_row_of_each_format(looks: dict[int, str], top: int) -> None:
    """The rows a laid sheet keeps to learn its formats' numbers: the first data row of each distinct
    format, in order, whatever order the rows were given in (a format is an object: one per colour)."""
    formats = {colour: object() for colour in "abcd"}
    rows = {row + top: formats[colour] for row, colour in looks.items()}
    options = {"header_row": {"名单": top}, "row_formats": {"名单": rows}}
    firsts: dict[int, int] = {}
    for row in sorted(rows):
        firsts.setdefault(id(rows[row]), row - top - 1)
    assert result_books._models("名单", options) == (sorted(firsts.values()) or [0])
