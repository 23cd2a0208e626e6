"""The inputs a result workbook carries (its 申报汇总表 and the rest), made while the results are
judged: a large year's columns are made from the columns as parsed (read/tables.Coded), over whole
columns in Arrow, and hold exactly what converting every typed value one by one gives."""

from __future__ import annotations

import functools
import io
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import drawn_year
from greencomm import api, check
from greencomm.api import evaluate
from greencomm.programme import load_programme
from greencomm.programme.layouts import submission_columns
from greencomm.read.tables import parse_coded
from greencomm.write import result_books, sheet_rows

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"


def _cells(frame: pd.DataFrame) -> list[list[tuple[str, Any]]]:
    """Every value with its type (1, 1.0 and True told apart), a blank as None."""
    plain = result_books._objects(frame)
    return [[(type(v).__name__, v) for v in plain[c].tolist()] for c in plain.columns]


@pytest.mark.parametrize("source", ["submissions", "flawed", "green", "drawn"])
def test_the_inputs_carried_from_the_columns_as_parsed_are_the_values_converted_one_by_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, source: str
) -> None:
    config = SAMPLE / "green" / "greencomm.toml" if source == "green" else None
    folder = {"submissions": SAMPLE / "submissions", "flawed": SAMPLE / "flawed",
              "green": SAMPLE / "green" / "submissions"}.get(source) or drawn_year(tmp_path / "year")  # fmt: skip
    results = evaluate([folder], load_programme(config, 2026))
    coded = results.inputs.submissions.coded
    assert coded, "the columns as parsed are kept"
    if source == "drawn":
        assert results.replaced and len(results.standing) < len(results.inputs.submissions.frame)
    monkeypatch.setattr(result_books, "APART_CELLS", 1)  # every sheet large: its columns from `coded`
    whole = result_books.input_sheets(results)
    monkeypatch.setattr(results.inputs.submissions, "coded", {})
    one_by_one = result_books.input_sheets(results)
    assert [s.name for s in whole] == [s.name for s in one_by_one]
    for made, converted in zip(whole, one_by_one, strict=True):
        assert list(made.frame.columns) == list(converted.frame.columns)
        assert _cells(made.frame) == _cells(converted.frame), made.name
    submitted = whole[0].frame
    in_arrow = [c for c in submitted.columns if isinstance(submitted[c].dtype, pd.ArrowDtype)]
    assert len(in_arrow) >= len(submitted.columns) - 5  # a column some workbook lacks is converted one by one


@pytest.mark.parametrize(
    ("source", "block", "group"), [("drawn", 5_000, 1 << 28), ("drawn", 97, 4_000), ("green", 7, 500)]
)
def test_the_carried_sheet_made_apart_is_the_sheet_the_writer_writes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, source: str, block: int, group: int
) -> None:
    """A year's carried 申报汇总表 (its columns in Arrow, as parsed) made apart — in blocks of rows,
    its columns of a kind worked on together, a few at a time or all at once — is, part by part,
    the workbook the writer writes in one call: a drawn year (five producers, a resubmission) and
    绿色社区 with its own settings."""
    if source == "green":
        results = evaluate(
            [SAMPLE / "green" / "submissions"], load_programme(SAMPLE / "green" / "greencomm.toml", 2026)
        )
    else:
        results = evaluate([drawn_year(tmp_path / "year")], load_programme(None, 2026))
    monkeypatch.setattr(result_books, "APART_CELLS", 1)
    carried = result_books.input_sheets(results)[0]
    assert any(isinstance(carried.frame[c].dtype, pd.ArrowDtype) for c in carried.frame.columns)
    monkeypatch.setattr(sheet_rows, "BLOCK_ROWS", block)
    monkeypatch.setattr(sheet_rows, "GROUP_BYTES", group)
    made: list[bool] = []

    def spy(frame: pd.DataFrame, layout: sheet_rows.Layout = sheet_rows.PLAIN) -> sheet_rows.Rows | None:
        rows = sheet_rows.data_rows(frame, layout)
        made.append(rows is not None)
        return rows

    monkeypatch.setattr(result_books, "data_rows", spy)
    monkeypatch.setattr(result_books, "APART_CELLS", 10**12)
    whole = result_books.write_book([carried])
    monkeypatch.setattr(result_books, "APART_CELLS", 1)
    apart = result_books.write_book([carried])
    assert made == [True] and _parts(apart) == _parts(whole)


# numbers and percentages as districts type them, and the texts whose form read is not the form
# written back: zeros leading or trailing, below 10⁻⁶ (1E-7), a fraction of one for a percentage
EDGES = ["007.5", "00", "0.0000001", "0.000001", "0.0000012", "-0.0000005", "120", "100", "85.50", "0.8534",
         "0.00000001", "3.0", "-0", "+5", "８５．５", "1e3", "", "0.10"]  # fmt: skip
typed_number = st.one_of(
    st.integers(0, 9)
    .flatmap(lambda places: st.decimals(min_value=-50, max_value=99999, places=places, allow_nan=False))
    .map(lambda d: format(d, "f")),
    st.sampled_from(EDGES),
).flatmap(lambda s: st.sampled_from([s, s + "%"]))
NUMBER_COLUMNS = [c for c in submission_columns(load_programme(year=2026)) if c.type in ("number", "percent")]


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(typed_number, min_size=1, max_size=30), column=st.sampled_from(NUMBER_COLUMNS))
def test_numbers_written_back_from_the_text_they_were_read_from_are_the_values_converted(
    texts: list[str], column: Any
) -> None:
    _, _, coded = parse_coded(column, pa.array(texts, pa.string()))
    assert coded.uniques is not None and coded.codes is not None
    convert = result_books._converter(column)

    def one_by_one(value: Any) -> Any:
        return None if value is None else convert(value)

    made = result_books._written_back(column, coded, one_by_one)
    assert made is not None
    assert made.to_pylist() == [one_by_one(v) for v in coded.uniques.tolist()], texts


def test_a_column_with_a_cell_blanked_after_parsing_is_converted_one_by_one() -> None:
    """An Excel error or a formula never calculated is blanked once the cells are parsed: that
    column is no longer as parsed, and leaves `coded`."""
    results = evaluate([SAMPLE / "flawed"], load_programme(None, 2026))
    blanked = {p.field for p in results.problems if p.code in ("excel-error", "formula-not-calculated")}
    keys = {c.header: c.key for c in result_books.submission_columns(results.programme)}
    assert blanked and not {keys[h] for h in blanked if h in keys} & set(results.inputs.submissions.coded)


def _parts(book: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist() if i.filename != "docProps/core.xml"}


def test_the_workbook_whose_inputs_are_made_while_judging_is_the_one_made_after(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`api.shortlist` has the carried sheets made once the inputs are read, in a thread, while they
    are checked and judged: the workbook is the one made from the results afterwards."""
    monkeypatch.setattr(result_books, "APART_CELLS", 100)
    folder = drawn_year(tmp_path / "year")
    programme = load_programme(None, 2026)
    started: list[Any] = []
    carry, check_inputs = result_books.BookWriter.carry, check.check_inputs

    def spy(self: result_books.BookWriter, make: Any) -> None:
        started.append(make.args[2])  # the replaced workbooks it was told of
        carry(self, make)

    def checking(*args: Any) -> Any:
        started.append("checked")
        return check_inputs(*args)

    monkeypatch.setattr(result_books.BookWriter, "carry", spy)
    monkeypatch.setattr(check, "check_inputs", checking)
    written = api.shortlist([folder], programme, output=tmp_path / "名单.xlsx")
    assert started == [written.results.replaced, "checked"] and written.results.replaced  # before checking
    monkeypatch.setattr(result_books.BookWriter, "carry", carry)
    after = result_books.shortlist_workbook(written.results)
    assert _parts((tmp_path / "名单.xlsx").read_bytes()) == _parts(after)


def test_a_small_year_has_its_carried_sheets_made_with_the_rest(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Below a million cells the carried sheets are made after judging, as the rest of the book:
    made beside checking they would cost more of Python's lock than they save."""
    started: list[Any] = []
    carry = result_books.BookWriter.carry
    monkeypatch.setattr(result_books.BookWriter, "carry", lambda self, make: (started.append(make), carry(self, make)))
    written = api.shortlist([SAMPLE / "submissions"], load_programme(None, 2026), output=tmp_path / "名单.xlsx")
    assert len(started) == 1 and not isinstance(started[0], functools.partial)  # `_finish`'s own, after judging
    assert not result_books.carried_early(written.results.programme, written.results.inputs)
