"""The vectorised readings of numbers, percentages and phones (read/fast.py) and the vectorised
points (judge/cents.py) agree with the exact rules they stand in for, on values a district could
type and values drawn to find the edges."""

from __future__ import annotations

import functools
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greencomm.judge.cents import as_parsed, column_cents, scaled
from greencomm.judge.scoring import _cents, reference_point
from greencomm.programme import Programme, load_programme
from greencomm.programme.layouts import submission_columns
from greencomm.programme.rubric import Item
from greencomm.read.fast import _SPACES, judge_column
from greencomm.read.tables import FORMAT, _judge, may_hold_format, parse_coded

PROGRAMME = load_programme(year=2026)
COLUMNS = {c.key: c for c in submission_columns(PROGRAMME)}
# one column of each kind the fast path reads: integer (>0, ≥0), number 0..max, percent, phone
KINDS = ["households", "complaints", "A2", "F1", "occupancy", "B1", "self_total", "phone", "A6", "E3"]

number_text = st.one_of(
    st.integers(0, 9)
    .flatmap(lambda places: st.decimals(min_value=-200, max_value=200000, places=places, allow_nan=False))
    .map(lambda d: format(d, "f")),
    st.integers(-5, 10**10).map(str),
    st.sampled_from(["0", "-0", "+5", "007", "85.50", "3.0", "1", "0.5", "100", "100.01", "1e3", "1,234", "", " "]),
    st.sampled_from(
        ["８５", "８５．５％", "85%", "0.8534", "-5%", "101%", "50 %", "NaN", "inf", "一百", "12.1234567891"]
    ),
).flatmap(lambda s: st.sampled_from([s, s + "%", " " + s, s.replace(".", "．")]))
phone_text = st.one_of(
    st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    st.from_regex(r"0[0-9]{2,3}-?[0-9]{7,8}", fullmatch=True),
    st.sampled_from(["+86 13812345678", "8613812345678", "12345", "0731 8456 7890", "（0731）84567890", "abc"]),
)


def _agree(key: str, texts: list[str]) -> None:
    col = COLUMNS[key]
    fast = judge_column(col, pa.array(texts, pa.string()))
    for text, known in zip(texts, fast, strict=True):
        if known is not None:
            assert known == _judge(col, text), (key, text)


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(number_text, min_size=1, max_size=30), key=st.sampled_from([k for k in KINDS if k != "phone"]))
def test_numbers_read_fast_as_they_read_exactly(texts: list[str], key: str) -> None:
    _agree(key, texts)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), key=st.sampled_from([k for k in KINDS if k != "phone"]))
def test_a_column_as_parsed_is_exact_as_its_values_are(data: st.DataObject, key: str) -> None:
    """The integers made from the texts the numbers were read from (over the column, in batches,
    some rows left out) are those made from the typed values one by one."""
    col = COLUMNS[key]
    batches = data.draw(st.lists(st.lists(number_text, max_size=12), min_size=1, max_size=3))
    parsed = [parse_coded(col, pa.array(texts, pa.string())) for texts in batches]
    values = np.concatenate([p[0] for p in parsed]) if parsed else np.zeros(0, dtype=object)
    at = np.array(data.draw(st.lists(st.integers(0, max(len(values) - 1, 0)), max_size=len(values))), dtype=np.int64)
    at = at if len(values) else at[:0]
    made = as_parsed([p[2] for p in parsed], at)
    expected = scaled(values[at] if len(at) else values[:0])
    for field in ("x", "known", "odd"):
        assert getattr(made, field).tolist() == getattr(expected, field).tolist(), (field, batches)


@settings(max_examples=100, deadline=None)
@given(texts=st.lists(phone_text, min_size=1, max_size=20))
def test_phones_read_fast_as_they_read_exactly(texts: list[str]) -> None:
    _agree("phone", texts)


def test_the_common_forms_are_read_fast() -> None:
    """The point of it: typed numbers in their usual forms never reach the slow rules."""
    texts = ["85.34%", "0.8534", "85.34", "８５％", "100", "0", "48.1"]
    assert all(known is not None for known in judge_column(COLUMNS["occupancy"], pa.array(texts)))
    assert all(known is not None for known in judge_column(COLUMNS["households"], pa.array(["3200", "12", "0"])))


# ---------------------------------------------------------------- points in integers
def _typed(item: Item, values: list[object]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


decimals = st.integers(0, 11).flatmap(
    lambda places: st.decimals(min_value=-5, max_value=150, places=places, allow_nan=False, allow_infinity=False)
)


def typed_values(item: Item) -> st.SearchStrategy[object]:
    """What the reader gives an item's column: a bool for yes/no, an answer for levels, a number."""
    if item.kind == "bool":
        return st.one_of(st.none(), st.booleans())
    if item.kind == "levels":
        return st.one_of(st.none(), st.sampled_from([*item.levels, "其他"]))
    return st.one_of(st.none(), decimals, st.integers(0, 5000))


@settings(max_examples=400, deadline=None)
@given(data=st.data(), item_id=st.sampled_from([i.id for i in PROGRAMME.rubric.items]))
def test_points_in_integers_are_the_fraction_rules_points(data: st.DataObject, item_id: str) -> None:
    item = PROGRAMME.rubric.item(item_id)
    values = data.draw(st.lists(typed_values(item), max_size=25))
    bases = data.draw(st.lists(st.one_of(st.none(), st.integers(0, 50000)), min_size=len(values), max_size=len(values)))
    base = _typed(item, bases) if item.ratio_of else None
    got = column_cents(item, _typed(item, values), base, lambda v, b: _cents(reference_point(item, v, b).points))
    want = [_cents(reference_point(item, v, None if base is None else base[n]).points) for n, v in enumerate(values)]
    assert got.tolist() == want


@pytest.mark.parametrize(
    ("lo", "hi", "maximum", "x", "cents"),
    [
        (Fraction(50), Fraction(90), Fraction(5), Decimal("51"), 13),  # 0.125 → 0.13, half-up
        (Fraction(60), Fraction(90), Fraction(3), Decimal("61.15"), 12),  # 0.115 → 0.12 (binary floats: 0.11)
        (Fraction(1, 3), Fraction(2), Fraction(7, 3), Decimal("1.000000001"), 93),  # awkward constants still exact
    ],
)
def test_ramp_cents_at_the_worked_examples(
    lo: Fraction, hi: Fraction, maximum: Fraction, x: Decimal, cents: int
) -> None:
    item = Item("X1", "x", "X", maximum, "ramp", "x", input="percent", lo=lo, hi=hi)
    assert column_cents(item, _typed(item, [x]), None, lambda v, b: -1).tolist() == [cents]
    assert _cents(reference_point(item, x).points) == cents


def test_the_sample_programme_is_the_default(programme: Programme) -> None:
    assert programme.rubric.items == PROGRAMME.rubric.items


def test_tables_parsed_together_are_each_table_parsed_alone() -> None:
    """parse_tables joins a column of every workbook into one parse (a folder of 200 small
    workbooks costs what one of their rows costs); each table gets back exactly its own values and
    its own problems, at its own cells."""
    from pathlib import Path

    from greencomm.read.tables import locate_table, parse_table, parse_tables
    from greencomm.read.workbook import expand_inputs, read_workbook

    sample = Path(__file__).resolve().parents[1] / "sample_data"
    columns = submission_columns(PROGRAMME)
    tables = []
    for path in expand_inputs([sample / "flawed", sample / "submissions"]):
        book = read_workbook(path, limits=PROGRAMME.settings.limits)
        table, _ = locate_table(book.sheet("申报汇总表"), book.name, columns, ("district", "community"))
        if table is not None:
            tables.append(table)
    assert len(tables) >= 8
    together = parse_tables(tables, columns)
    alone = [parse_table(t, columns) for t in tables]
    assert sum(len(p) for _, p in alone) >= 20  # the flawed workbooks' planted problems are among them
    for (frame, problems), (own_frame, own_problems) in zip(together, alone, strict=True):
        assert frame.equals(own_frame)
        assert [p.to_dict("zh") for p in problems] == [p.to_dict("zh") for p in own_problems]


_HEADERS = [c.header for c in submission_columns(PROGRAMME)][:12]
_CELL = st.none() | st.sampled_from([*_HEADERS, "85.5", "2026-09-10", "30%", "韭菜园社区", "是", " ", "", "序号 (个)"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_CELL, min_size=8, max_size=8), min_size=1, max_size=35))
def test_the_header_row_is_the_row_that_names_most_columns(rows: list[list[str | None]]) -> None:
    """_header_row looks at the cells that may name a column and stops when no row left could name
    more: the same row as asking every cell of every row of the head, the first of equals."""
    from greencomm.read.tables import HEADER_SCAN_ROWS, MIN_HEADER_MATCHES, _header_row, matcher
    from greencomm.read.workbook import Sheet

    columns = submission_columns(PROGRAMME)
    sheet = Sheet("申报汇总表", [pa.array(list(col), pa.string()) for col in zip(*rows, strict=True)])
    match = matcher(columns)
    counts = [len({c.key for v in row if (c := match(v)) is not None}) for row in rows[:HEADER_SCAN_ROWS]]
    best = max(range(len(counts)), key=lambda r: (counts[r], -r))
    header, names = _header_row(sheet, columns)
    assert header == (best if counts[best] >= MIN_HEADER_MATCHES else None)
    assert names == (rows[best] if header is not None else [])  # the header's cells, as the sheet holds them


_SHEET = st.lists(st.lists(_CELL, min_size=8, max_size=8), min_size=0, max_size=35)
Cell = str | None


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_SHEET, st.booleans(), st.integers(0, 12)), min_size=1, max_size=5))
def test_tables_found_together_are_each_table_found_alone(sheets: list[tuple[list[list[Cell]], bool, int]]) -> None:
    """locate_tables looks at the heads and the rows of a folder's sheets together: each sheet's
    header, columns, kept rows, cells and problems are what locate_table finds in it alone —
    whatever the other sheets hold, a header below FIRST_ROWS title rows, an empty sheet, one
    read as large text."""
    from greencomm.read.tables import locate_table, locate_tables
    from greencomm.read.workbook import Sheet

    columns = submission_columns(PROGRAMME)
    made = []
    for n, (rows, large, titles) in enumerate(sheets):
        rows = [["标题", *[None] * 7]] * titles + [_HEADERS[:8]] * (n % 2) + rows  # titles above a header, or not
        kind = pa.large_string() if large else pa.string()
        cells = [pa.array(list(col), kind) for col in zip(*rows, strict=True)]
        made.append((Sheet("申报汇总表", cells, row0=1 + n, col0=1 + n % 3), f"{n}.xlsx"))
    together = locate_tables(made, columns, ("district", "community"))
    for (sheet, file), (table, problems) in zip(made, together, strict=True):
        alone, own = locate_table(sheet, file, columns, ("district", "community"))
        assert [p.to_dict("zh") for p in problems] == [p.to_dict("zh") for p in own]
        assert (table is None) == (alone is None)
        if table is not None and alone is not None:
            assert (table.file, table.header_row, table.columns) == (alone.file, alone.header_row, alone.columns)
            assert table.rows.tolist() == alone.rows.tolist()
            cells = {key: column.to_pylist() for key, column in table.cells.items()}
            assert cells == {key: column.to_pylist() for key, column in alone.cells.items()}


def test_a_header_below_the_first_rows_is_found_with_the_heads_of_others() -> None:
    """A head whose header lies below the rows made Python values at once (FIRST_ROWS) is asked of
    Arrow row by row: found where a search over every row finds it, beside other sheets."""
    from greencomm.read.tables import FIRST_ROWS, HEADER_SCAN_ROWS, _header_row, _header_rows
    from greencomm.read.workbook import Sheet

    columns = submission_columns(PROGRAMME)
    rows = [["标题"] + [None] * 7] * (FIRST_ROWS + 3) + [_HEADERS[:8], ["1", "芙蓉区", "x", "韭菜园社区"] + ["1"] * 4]
    deep = Sheet("申报汇总表", [pa.array(list(col), pa.string()) for col in zip(*rows, strict=True)])
    plain = Sheet("申报汇总表", [pa.array([h, "1"], pa.string()) for h in _HEADERS[:8]])
    found = _header_rows([plain, deep, plain], columns)
    assert [row for row, _ in found] == [0, FIRST_ROWS + 3, 0] and FIRST_ROWS + 3 < HEADER_SCAN_ROWS
    assert found[1] == _header_row(deep, columns) and found[1][1] == _HEADERS[:8]


@pytest.mark.parametrize("folder", ["submissions", "flawed", "green/submissions"])
def test_tables_parsed_in_batches_as_they_are_read_are_the_tables_parsed_at_once(
    monkeypatch: pytest.MonkeyPatch, folder: str
) -> None:
    """Workbooks are parsed a batch at a time while the next are read: batched each on its own or
    all together, the rows, the problems (at their cells) and the places are the same."""
    from pathlib import Path

    import pandas as pd

    from greencomm.read import inputs

    sample = Path(__file__).resolve().parents[1] / "sample_data"
    programme = load_programme(sample / "green" / "greencomm.toml" if folder.startswith("green") else None, 2026)
    read = []
    for cells in (10**12, 1):
        monkeypatch.setattr(inputs, "PARSE_BATCH_CELLS", cells)
        read.append(inputs.read_submissions([sample / folder], programme))
    (once, acts_once), (each, acts_each) = read
    pd.testing.assert_frame_equal(once.frame, each.frame)
    pd.testing.assert_frame_equal(acts_once, acts_each)
    assert [p.to_dict("zh") for p in once.problems] == [p.to_dict("zh") for p in each.problems]
    assert once.places == each.places and len(once.frame) > 20


@pytest.mark.parametrize("cells", [1, 10_000, 20_000])
def test_a_batch_is_parsed_early_only_with_half_as_much_left_to_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cells: int
) -> None:
    """Tables are parsed while the next workbooks are read once PARSE_BATCH_CELLS wait, but only
    when at least half as many bytes are left to read as the waiting tables came from: no last
    batch of a workbook or two, each paying the fixed work of a batch. The rows are the same."""
    import shutil

    import pandas as pd

    from conftest import drawn_year
    from greencomm.read import inputs

    folder = drawn_year(tmp_path / "year")
    sample = Path(__file__).resolve().parents[1] / "sample_data" / "submissions"
    shutil.copy(min(sample.glob("*.xlsx"), key=lambda p: p.stat().st_size), folder / "zz-small.xlsx")  # read last
    sizes = {p.name: p.stat().st_size for p in folder.iterdir()}
    batches: list[list[str]] = []
    parse = inputs.parse_joined
    monkeypatch.setattr(
        inputs, "parse_joined", lambda tables, *a: batches.append([t.file for t in tables]) or parse(tables, *a)
    )
    monkeypatch.setattr(inputs, "PARSE_BATCH_CELLS", cells)
    part, _ = inputs.read_submissions([folder], PROGRAMME)
    assert [name for batch in batches for name in batch] == sorted(sizes) and len(sizes) > 3
    for n, batch in enumerate(batches[:-1]):
        later = sum(sizes[name] for rest in batches[n + 1 :] for name in rest)
        assert 2 * later >= sum(sizes[name] for name in batch)
    assert len(batches) > 1
    monkeypatch.setattr(inputs, "PARSE_BATCH_CELLS", 10**12)
    once, _ = inputs.read_submissions([folder], PROGRAMME)
    pd.testing.assert_frame_equal(part.frame, once.frame)


# ---------------------------------------------------------------- format characters (Cf)
def _regex_says(cells: pa.Array) -> bool:
    import pyarrow.compute as pc

    return bool(pc.any(pc.match_substring_regex(cells, FORMAT)).as_py())


@functools.lru_cache(maxsize=1)
def _every_character() -> pa.Array:
    return pa.array([chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF])


def test_the_spaces_left_out_are_what_the_regex_calls_space() -> None:
    """Numbers are read with their white space (RE2's \\s) left out; a column none of whose bytes
    is one of those characters skips the regex."""
    import pyarrow.compute as pc

    every = _every_character()
    spaces = {ord(c) for c in every.filter(pc.match_substring_regex(every, r"\s")).to_pylist()}
    assert spaces == set(np.flatnonzero(_SPACES).tolist())


def test_every_format_character_the_regex_knows_is_looked_for() -> None:
    """The byte test leaves the regex out only for a column without any character the regex (RE2,
    the Unicode version Arrow was built with) calls a format character: every one of them, alone,
    inside Chinese text, and at a column's end, makes the column looked at."""
    import pyarrow.compute as pc

    every = _every_character()
    found = every.filter(pc.match_substring_regex(every, FORMAT)).to_pylist()
    assert len(found) >= 163  # Unicode 14 has 163 (U+00AD, U+200B, U+FEFF …)
    for char in found:
        assert may_hold_format(pa.array([char])), hex(ord(char))
        assert may_hold_format(pa.array(["芙蓉区", None, f"东{char}塘社区", "85%"])), hex(ord(char))
        assert may_hold_format(pa.array(["芙蓉区", f"东塘{char}"]).slice(1)), hex(ord(char))


def test_text_as_districts_write_it_needs_no_regex() -> None:
    """What a year's columns hold — digits, Chinese, full-width forms, dashes and quotes — is told
    to hold no format character by its bytes alone (else the test would cost what it saves)."""
    column = pa.array(["芙蓉区", "东塘社区（一期）", "“绿色”—社区…", "８５．５％", "85.34%", "0731-84567890", "", None])
    assert not may_hold_format(column)
    assert not may_hold_format(pa.array(["85", "3.5"]))
    assert not may_hold_format(pa.array([], pa.string()))
    assert may_hold_format(pa.array([1, 2]))  # not text: looked at by the regex, which says


@given(st.lists(st.one_of(st.none(), st.text(max_size=6)), max_size=8), st.integers(0, 3))
@settings(max_examples=300, deadline=None)
def test_the_byte_test_never_misses_what_the_regex_finds(texts: list[str | None], cut: int) -> None:
    cells = pa.array(texts, pa.string()).slice(min(cut, len(texts)))
    if _regex_says(cells):
        assert may_hold_format(cells)
    large = cells.cast(pa.large_string())
    if _regex_says(large):
        assert may_hold_format(large)


@pytest.mark.parametrize("batch_cells", [1, 250_000])
@pytest.mark.parametrize("source", ["flawed", "green", "drawn"])
def test_rows_keyed_batch_by_batch_have_the_keys_of_the_whole_frame(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, source: str, batch_cells: int
) -> None:
    """The submissions' keys are made for each batch of tables parsed while the next are read; they
    are what keying the year's frame once gives (a batch of one table, or of all)."""
    from conftest import drawn_year
    from greencomm.read import inputs
    from greencomm.read.names import with_keys

    sample = Path(__file__).resolve().parents[1] / "sample_data"
    config = sample / "green" / "greencomm.toml" if source == "green" else None
    folder = {"flawed": sample / "flawed", "green": sample / "green" / "submissions"}.get(source)
    monkeypatch.setattr(inputs, "PARSE_BATCH_CELLS", batch_cells)
    part, _ = inputs.read_submissions([folder or drawn_year(tmp_path / "year")], load_programme(config, 2026))
    frame = part.frame
    assert len(frame) and frame._key.notna().any()
    again = with_keys(frame.drop(columns=["_district_key", "_key"]))
    assert list(frame.columns) == list(again.columns)
    for column in ("_district_key", "_key"):
        assert frame[column].tolist() == again[column].tolist()


def test_a_cell_is_filled_unless_trimming_its_white_space_leaves_nothing() -> None:
    """_filled asks Arrow whether a text is all space; the same answer as trimming it, for every
    character (alone, twice, before and after a letter), the empty text and a blank."""
    import pyarrow.compute as pc

    from greencomm.read.tables import _filled

    characters = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    texts = [t for ch in characters for t in (ch, ch + ch, "a" + ch, ch + "a")] + ["", None, " \u3000 ", "\u00a0x"]
    column = pa.array(texts, pa.string())
    trimmed = pc.fill_null(pc.not_equal(pc.utf8_trim_whitespace(column), ""), False).to_numpy(zero_copy_only=False)
    assert (_filled(column) == trimmed).all()
    assert _filled(pa.chunked_array([column.slice(0, 5), column.slice(5)])).tolist() == trimmed.tolist()
