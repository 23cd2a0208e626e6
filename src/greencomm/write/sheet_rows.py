"""The data rows of a large sheet — the inputs a result workbook carries, the 未通过 list of a
large year — written exactly as the workbook's writer writes them, byte for byte, but over whole
columns with Arrow, and compressed by ISA-L (docs/rules.md#speed-and-memory).

The writer (rustpy-xlsxwriter) spends about three quarters of its time on such a sheet deflating
its XML at zlib's default level: 100,000 × 50 cells are 237 MB of XML, 3 s to compress, 1.5 s to
make. Here a block of rows becomes a handful of Arrow string kernels (a cell is its column's
letters and the row's number around the value: `<c r="B7" t="inlineStr"><is><t>芙蓉区</t></is></c>`,
`<c r="F7"><v>2751.0</v></c>`; no cell for a blank; no row for a row of blanks), and the XML goes
through ISA-L's fastest level (a tenth of the time, a file about a fifth larger). A row may have a
format of its own (its colour: every cell of it takes it, `s="3"`) and a height (`ht="33"`, in
whole pixels as the writer rounds it), by the `Layout` given. The rest of the sheet (its title
and header rows, widths, filter, conditional formats, print setup) is still the writer's:
write/joined_book.py splices these rows into it.

Only what the writer writes plainly is written here: text without control characters, `_xHHHH_`,
U+FFFE/U+FFFF or surrounding whitespace, no longer than a cell holds, whole numbers below 10¹⁵,
fractions within 10⁻⁴ ≤ |x| < 10¹⁵ (written as Python's repr writes them, which is the writer's
form there). Anything else (none of it occurs in what greencomm writes, but a value is a value)
makes `data_rows` answer None, and the caller lets the writer write the whole workbook.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from isal import isal_zlib

from greencomm.read.scan import column_letters

BLOCK_ROWS = 5_000  # rows made and compressed at a time (about 12 MB of XML at 50 columns)
CELL_CHARS = 32_767  # the most a cell holds: the writer refuses more
WHOLE = 10**15  # whole numbers below this the writer writes as "2751.0" (its shortest float form)
LEVEL = 1  # ISA-L's fastest
_SPACES = np.array([0x20, 0x09, 0x0A], dtype=np.uint8)  # at either end: xml:space="preserve"
_ESCAPED = (b"&", b"<", b">")
_MARKED = re.compile(rb"_x[0-9A-Fa-f]{4}_")  # text the writer would mark as text (_x005F_…)
_NONCHARACTERS = re.compile(rb"\xef\xbf[\xbe\xbf]")  # U+FFFE, U+FFFF in UTF-8
_CONVERSION = (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError, ValueError)


@dataclass(frozen=True)
class Rows:
    """A sheet's data rows as XML, deflated (raw, ended by a sync flush: more may follow)."""

    deflated: tuple[bytes, ...]  # in the pieces it was made in: copied once, into the workbook
    crc: int  # CRC-32 of the XML
    size: int  # bytes of XML
    count: int  # data rows, blank ones included (the filter reaches the last)
    last: int  # the last row written (a value, or a format or height of its own), counted from 1
    top: int = 0  # the header's row, counted from 0


@dataclass(frozen=True)
class Layout:
    """Where a sheet's data rows lie and how they look beyond their values."""

    top: int = 0  # the header's row, counted from 0 (under a title: 1)
    formats: np.ndarray | None = None  # each data row's format number; -1: none of its own
    heights: np.ndarray | None = None  # each data row's height in points; 0: none of its own


class _Unplain(Exception):
    """A value the writer writes some other way than here."""


PLAIN = Layout()  # a header in the first row, rows without a format or height of their own


def data_rows(frame: pd.DataFrame, layout: Layout = PLAIN) -> Rows | None:
    """The rows of `frame` under its header, as the writer writes them; None when a value is one
    it writes otherwise (see the module's doc)."""
    letters = [column_letters(n + 1) for n in range(len(frame.columns))]
    packer = isal_zlib.compressobj(LEVEL, isal_zlib.DEFLATED, -15)
    deflated, crc, size, last = [], 0, 0, layout.top + 1
    try:
        whole = _Whole(
            _rendered([column_values(frame[c]) for c in frame.columns]),
            pc.cast(pa.array(np.arange(len(frame)) + layout.top + 2), pa.string()),  # each data row's number
            _marks(layout, len(frame)),
        )
        for start in range(0, len(frame), BLOCK_ROWS):
            xml, valued = _block(whole, letters, start, min(len(frame), start + BLOCK_ROWS), layout)
            deflated.append(packer.compress(xml))
            crc, size, last = isal_zlib.crc32(xml, crc), size + len(xml), valued or last
    except (_Unplain, *_CONVERSION):
        return None
    deflated.append(packer.flush(isal_zlib.Z_SYNC_FLUSH))
    return Rows(tuple(deflated), crc, size, len(frame), last, layout.top)


def column_values(series: pd.Series) -> np.ndarray | pa.Array:
    """A column's values: as Arrow when it is kept in Arrow, else as they are."""
    if isinstance(series.dtype, pd.ArrowDtype):
        values = pa.array(series.array)
        return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    return series.to_numpy()


def height_text(points: float) -> str:
    """A row's height as the writer writes it: in whole pixels (4 to 3 points), shown shortest."""
    shown = math.floor(points * 4 / 3 + 0.5) * 0.75
    return str(int(shown)) if shown.is_integer() else repr(shown)


_Values = tuple[str, pa.Array, str]  # a kind of value's cells: what opens its value, its values written, what ends it


@dataclass(frozen=True)
class _Whole:
    """What a sheet's rows are made of, worked out over all of them at once — each column's values
    as written, the rows' numbers, their own formats and heights — so that a block of rows takes
    slices of them. The rows are made in a thread beside Python code in the main one: each call
    that lets go of Python's lock waits up to the switch interval (5 ms unless set) to have it
    back, so a block asks few such calls (a few, against some 500 when each block worked its
    columns out)."""

    columns: list[list[_Values]]  # a column's kinds of value (none for a column of blanks)
    numbers: pa.Array
    marks: tuple[pa.Array, pa.Array] | None


def _block(whole: _Whole, letters: Sequence[str], start: int, stop: int, layout: Layout) -> tuple[memoryview, int]:
    """Rows start…stop (data rows counted from 0) as XML, and the last of them holding a value
    (its sheet row, counted from 1; 0 when none does)."""
    first = layout.top + 2  # the first data row's number
    numbers = whole.numbers.slice(start, stop - start)
    own, cells = whole.marks or (None, None)  # the row's own format and height, each cell's format
    marks = None if own is None or cells is None else (own.slice(start, stop - start), cells.slice(start, stop - start))
    opened, styled = ('">', '"') if marks is None else (pc.binary_join_element_wise('"', marks[0], ">", ""), marks[1])
    items: list[object] = ['<row r="', numbers, opened]
    valued: pa.Array | None = None  # rows with a cell so far (None: every row has one)
    every = False
    for parts, letter in zip(whole.columns, letters, strict=True):
        cell = _column(parts, start, stop, [f'<c r="{letter}', numbers, styled])
        if cell is None:
            continue
        if isinstance(cell, list):  # a value in every row: its pieces joined with the row's
            items += cell
            every = True
            continue
        items.append(pc.fill_null(cell, ""))
        present = pc.is_valid(cell)
        valued = present if valued is None else pc.or_(valued, present)
    if not every and valued is None:
        valued = pa.array(np.zeros(stop - start, dtype=bool))
    rows = pc.binary_join_element_wise(*_merged([*items, "</row>"]), "")
    last = len(rows)
    if not every:
        assert valued is not None
        # a row of blanks is written empty when it has a format or height of its own, else not at all
        empty = "" if marks is None else pc.if_else(pc.equal(marks[0], ""), "", pc.binary_join_element_wise(
            '<row r="', numbers, '"', marks[0], "/>", ""))  # fmt: skip
        rows = pc.if_else(valued, rows, empty)
        written = valued if marks is None else pc.or_(valued, pc.not_equal(marks[0], ""))  # the used range's rows
        found = np.flatnonzero(written.to_numpy(zero_copy_only=False))
        last = int(found[-1]) + 1 if len(found) else 0
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32, count=len(rows) + 1, offset=rows.offset * 4)
    data = rows.buffers()[2]
    xml = memoryview(data)[offsets[0] : offsets[-1]] if data is not None else memoryview(b"")
    return xml, start + first - 1 + last if last else 0


def _marks(layout: Layout, count: int) -> tuple[pa.Array, pa.Array] | None:
    """Each of the `count` rows' attributes of its own (` s="3" customFormat="1" ht="33"
    customHeight="1"`) and what follows its cells' reference (`" s="3"`, or the quote alone); None
    when no row has any. Worded once for each distinct format and height."""
    formats = layout.formats[:count] if layout.formats is not None else np.full(count, -1)
    heights = layout.heights[:count] if layout.heights is not None else np.zeros(count)
    if (formats < 0).all() and not heights.any():
        return None
    # each distinct (format, height), told by the pair of their positions among the distinct of each
    kinds, of_kind = np.unique(formats, return_inverse=True)
    tall, of_height = np.unique(heights, return_inverse=True)
    paired = np.asarray(of_kind).ravel() * len(tall) + np.asarray(of_height).ravel()
    pairs, each = np.unique(paired, return_inverse=True)
    looks = list(zip(kinds[pairs // len(tall)].tolist(), tall[pairs % len(tall)].tolist(), strict=True))
    own = [(f' s="{int(f)}" customFormat="1"' if f >= 0 else "")
           + (f' ht="{height_text(h)}" customHeight="1"' if h else "") for f, h in looks]  # fmt: skip
    cells = [f'" s="{int(f)}"' if f >= 0 else '"' for f, _ in looks]
    chosen = pa.array(np.asarray(each).ravel())
    return pa.array(own, pa.string()).take(chosen), pa.array(cells, pa.string()).take(chosen)


GROUP_BYTES = 1 << 28  # columns of one kind worked on together up to this size (Arrow's offsets reach 2 GB)


def _rendered(columns: Sequence[np.ndarray | pa.Array]) -> list[list[_Values]]:
    """Each column's values as its cells write them: one entry per kind of value in a column of
    text and numbers, none for a column of blanks. The columns of text, and those of whole numbers,
    are checked and written together, in one pass each over all of them (see `_Whole`)."""
    arrays = [values if isinstance(values, pa.Array) else _arrow(values) for values in columns]
    kinds = [a if isinstance(a, list) else [] if pa.types.is_null(a.type) else [a] for a in arrays]
    parts = [part for column in kinds for part in column]
    written: list[_Values | None] = [None] * len(parts)
    for group in _groups([n for n, part in enumerate(parts) if part.type == pa.string()], parts):
        for n, texts in zip(group, _texts([parts[n] for n in group]), strict=True):
            written[n] = (_TEXT[0], texts, _TEXT[1])
    for group in _groups([n for n, part in enumerate(parts) if part.type == pa.int64()], parts):
        before, values, after = _cell(pa.concat_arrays([parts[n] for n in group]))
        ends = np.cumsum([len(parts[n]) for n in group])
        for n, end in zip(group, ends, strict=True):
            written[n] = (before, values.slice(end - len(parts[n]), len(parts[n])), after)
    done = iter([w if w is not None else _cell(parts[n]) for n, w in enumerate(written)])
    return [[next(done) for _ in column] for column in kinds]


def _groups(at: list[int], parts: Sequence[pa.Array]) -> list[list[int]]:
    """The parts at `at`, in runs of at most GROUP_BYTES (each part alone when larger)."""
    groups: list[list[int]] = []
    size = GROUP_BYTES
    for n in at:
        if size + parts[n].nbytes > GROUP_BYTES:
            groups.append([])
            size = 0
        groups[-1].append(n)
        size += parts[n].nbytes
    return groups


def _column(parts: list[_Values], start: int, stop: int, opening: list[object]) -> list[object] | pa.Array | None:
    """Rows start…stop of a column's cells: the pieces of each cell when every row has one, else
    the cells themselves (null where blank); None when no row has one. `opening`: the pieces before
    the cell's type."""
    pieces = [[*opening, before, values.slice(start, stop - start), after] for before, values, after in parts]
    if len(pieces) > 1:  # text and numbers in one column: each row's cell from the kind it holds
        return pc.coalesce(*(_joined(p) for p in pieces))
    if not pieces:
        return None
    value = pieces[0][-2]
    assert isinstance(value, pa.Array)
    if value.null_count == 0:
        return pieces[0]
    return None if value.null_count == len(value) else _joined(pieces[0])


def _arrow(values: np.ndarray) -> pa.Array | list[pa.Array]:
    """Python values in Arrow; a column of text and numbers as one array of each kind."""
    try:
        array = pa.array(values, from_pandas=True)  # None, NaN, NA, NaT: blanks, as the writer takes them
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # text and numbers in one column: each kind apart
        present = [None if v is None or v != v else v for v in values.tolist()]  # NaN: a blank
        if not {type(v) for v in present} <= {str, int, float, type(None)}:
            raise _Unplain from None
        return [pa.array([v if type(v) is kind else None for v in present], pa_type)
                for kind, pa_type in ((str, pa.string()), (int, pa.int64()), (float, pa.float64()))]  # fmt: skip
    mixed = values.dtype == object  # a column of floats holds no true among them
    if pa.types.is_float64(array.type) and mixed and {bool, np.bool_} & set(map(type, values.tolist())):
        raise _Unplain  # Arrow takes true for 1.0 among fractions: the writer writes it as true
    return array


def _joined(pieces: list[object]) -> pa.Array:
    """Each row's cell (null where the value is blank)."""
    return pc.binary_join_element_wise(*_merged(pieces), "")


def _merged(pieces: list[object]) -> list[object]:
    """The pieces with each run of plain text made one (a cell's end and the next one's start):
    Arrow joins a row piece by piece, so a third fewer pieces is a third less time."""
    merged: list[object] = []
    for piece in pieces:
        if type(piece) is str and merged and type(merged[-1]) is str:
            merged[-1] += piece
        else:
            merged.append(piece)
    return merged


_TEXT = (' t="inlineStr"><is><t>', "</t></is></c>")  # what opens and ends a text's value


def _cell(values: pa.Array) -> _Values:
    """A column's values as its cells write them (null where blank), with what opens and ends them."""
    if pa.types.is_string(values.type):
        return _TEXT[0], _texts([values])[0], _TEXT[1]
    if pa.types.is_int64(values.type):
        low, high = pc.min_max(values).values()
        if low.is_valid and not -WHOLE < low.as_py() <= high.as_py() < WHOLE:
            raise _Unplain
        return "><v>", pc.cast(values, pa.string()), ".0</v></c>"
    if pa.types.is_float64(values.type):
        return "><v>", _fractions(values), "</v></c>"
    raise _Unplain  # true/false, dates, decimals: the writer's own forms


def _fractions(values: pa.Array) -> pa.Array:
    """Numbers with a fraction as the writer writes them — shortest, as Python's repr does, within
    10⁻⁴ ≤ |x| < 10¹⁵ (outside it the two write exponents differently); not-a-number is a blank."""
    numbers = np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.float64)
    present = ~np.isnan(numbers)
    size = np.abs(numbers[present])
    if not np.all((size == 0) | ((size >= 1e-4) & (size < WHOLE))):
        raise _Unplain
    # each distinct number worded once (by its bits: -0.0 is not 0.0), the rows taking theirs
    bits, each = np.unique(numbers.view(np.int64)[present], return_inverse=True)
    texts = pa.array([repr(x) for x in bits.view(np.float64).tolist()], pa.string())
    chosen = np.zeros(len(numbers), dtype=np.int64)
    chosen[present] = np.asarray(each).ravel()
    return texts.take(pa.array(chosen, mask=~present))


def _texts(parts: list[pa.Array]) -> list[pa.Array]:
    """Each array's text as the writer writes it in a cell, `&`, `<` and `>` escaped, blanks ("" too)
    null; all looked at together (see `_Whole`), an array copied only when it holds an empty text to
    blank or a character to escape."""
    filled, escaped = _looked_at(pa.concat_arrays(parts))
    ends = np.cumsum([len(part) for part in parts])
    return [_written(part, filled[end - len(part) : end], escaped) for part, end in zip(parts, ends, strict=True)]


def _looked_at(values: pa.Array) -> tuple[np.ndarray, bool]:
    """Which texts hold anything (a blank holds nothing), and whether any holds `&`, `<` or `>`;
    raises _Unplain at text the writer writes otherwise."""
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32, count=len(values) + 1, offset=values.offset * 4)
    data = values.buffers()[2]
    low, high = int(offsets[0]), int(offsets[-1])
    raw = np.frombuffer(data, dtype=np.uint8, count=high - low, offset=low) if high > low else np.empty(0, np.uint8)
    text = raw.tobytes()  # its bytes looked for one at a time at memory speed (a count of each: 6 times as long)
    low_bytes = int(np.count_nonzero(raw < 0x20))
    # a control character but tab and newline: the writer writes it _xHHHH_
    if low_bytes and low_bytes > text.count(b"\t") + text.count(b"\n"):
        raise _Unplain
    if (b"_" in text and _MARKED.search(text)) or (b"\xef" in text and _NONCHARACTERS.search(text)):
        raise _Unplain
    lengths = np.diff(offsets)
    if lengths.max(initial=0) > CELL_CHARS and pc.max(pc.utf8_length(values)).as_py() > CELL_CHARS:
        raise _Unplain
    filled = lengths > 0
    edges = np.concatenate([offsets[:-1][filled], offsets[1:][filled] - 1]) - low
    if np.isin(raw[edges], _SPACES).any():
        raise _Unplain
    return filled, any(c in text for c in _ESCAPED)


def _written(values: pa.Array, filled: np.ndarray, escaped: bool) -> pa.Array:
    """The texts with those that hold nothing null (a blank, "" as much as none), and, when
    `escaped` (some text looked at with them holds one), `&`, `<` and `>` escaped."""
    if not filled.all() and (not values.null_count or pc.any(pc.equal(pc.binary_length(values), 0)).as_py()):
        values = pc.if_else(filled, values, pa.scalar(None, pa.string()))  # an "" among them (a blank is null)
    if escaped and pc.any(pc.match_substring_regex(values, "[&<>]")).as_py():
        for plain, replaced in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
            values = pc.replace_substring(values, plain, replaced)
    return values
