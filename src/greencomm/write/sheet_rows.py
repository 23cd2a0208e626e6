"""The data rows of a large plain sheet — the inputs a result workbook carries — written exactly
as the workbook's writer writes them, byte for byte, but over whole columns with Arrow, and
compressed by ISA-L (docs/rules.md#speed-and-memory).

The writer (rustpy-xlsxwriter) spends about three quarters of its time on such a sheet deflating
its XML at zlib's default level: 100,000 × 50 cells are 237 MB of XML, 3 s to compress, 1.5 s to
make. Here a block of rows becomes a handful of Arrow string kernels (a cell is its column's
letters and the row's number around the value: `<c r="B7" t="inlineStr"><is><t>芙蓉区</t></is></c>`,
`<c r="F7"><v>2751.0</v></c>`; no cell for a blank; no row for a row of blanks), and the XML goes
through ISA-L's fastest level (a tenth of the time, a file about a fifth larger). The rest of the
sheet (its header row, widths, filter, print setup) is still the writer's: write/joined_book.py
splices these rows into it.

Only what the writer writes plainly is written here: text without control characters, `_xHHHH_`,
U+FFFE/U+FFFF or surrounding whitespace, no longer than a cell holds, and whole numbers below
10¹⁵. Anything else (none of it occurs in what greencomm carries, but a value is a value) makes
`data_rows` answer None, and the caller lets the writer write the whole workbook.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from isal import isal_zlib

from greencomm.read.scan import column_letters

BLOCK_ROWS = 20_000  # rows made and compressed at a time (about 50 MB of XML at 50 columns)
CELL_CHARS = 32_767  # the most a cell holds: the writer refuses more
WHOLE = 10**15  # whole numbers below this the writer writes as "2751.0" (its shortest float form)
LEVEL = 1  # ISA-L's fastest
_CONTROL = np.zeros(256, dtype=bool)
_CONTROL[[*range(0x00, 0x09), *range(0x0B, 0x20)]] = True  # written _xHHHH_ by the writer (tab and newline as they are)
_SPACES = np.array([0x20, 0x09, 0x0A], dtype=np.uint8)  # at either end: xml:space="preserve"
_ESCAPED = (b"&"[0], b"<"[0], b">"[0])
_MARKED = re.compile(rb"_x[0-9A-Fa-f]{4}_")  # text the writer would mark as text (_x005F_…)
_NONCHARACTERS = re.compile(rb"\xef\xbf[\xbe\xbf]")  # U+FFFE, U+FFFF in UTF-8
_CONVERSION = (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError, ValueError)


@dataclass(frozen=True)
class Rows:
    """A sheet's data rows as XML, deflated (raw, ended by a sync flush: more may follow)."""

    deflated: bytes
    crc: int  # CRC-32 of the XML
    size: int  # bytes of XML
    count: int  # data rows, blank ones included (the filter reaches the last)
    last: int  # the last row holding a value, counted from the sheet's top (the header's row is 1)


class _Unplain(Exception):
    """A value the writer writes some other way than here."""


def data_rows(frame: pd.DataFrame) -> Rows | None:
    """The rows of `frame` under a header in row 1, as the writer writes them; None when a value
    is one it writes otherwise (see the module's doc)."""
    columns = [frame[c].to_numpy() for c in frame.columns]
    letters = [column_letters(n + 1) for n in range(len(columns))]
    packer = isal_zlib.compressobj(LEVEL, isal_zlib.DEFLATED, -15)
    deflated, crc, size, last = [], 0, 0, 1
    try:
        for start in range(0, len(frame), BLOCK_ROWS):
            xml, valued = _block(columns, letters, start, min(len(frame), start + BLOCK_ROWS))
            deflated.append(packer.compress(xml))
            crc, size, last = isal_zlib.crc32(xml, crc), size + len(xml), valued or last
    except (_Unplain, *_CONVERSION):
        return None
    deflated.append(packer.flush(isal_zlib.Z_SYNC_FLUSH))
    return Rows(b"".join(deflated), crc, size, len(frame), last)


def _block(columns: Sequence[np.ndarray], letters: Sequence[str], start: int, stop: int) -> tuple[memoryview, int]:
    """Rows start…stop (data rows counted from 0) as XML, and the last of them holding a value
    (its sheet row; 0 when none does)."""
    numbers = pc.cast(pa.array(np.arange(start + 2, stop + 2)), pa.string())  # the header is row 1
    items: list[object] = ['<row r="', numbers, '">']
    valued: pa.Array | None = None  # rows with a cell so far (None: every row has one)
    every = False
    for values, letter in zip(columns, letters, strict=True):
        cell = _column(values[start:stop], letter, numbers)
        if cell is None:
            continue
        if isinstance(cell, list):  # a value in every row: its pieces joined with the row's
            items += cell
            every = True
            continue
        items.append(pc.fill_null(cell, ""))
        present = pc.is_valid(cell)
        valued = present if valued is None else pc.or_(valued, present)
    if not every and valued is None:  # no value in any of these rows
        return memoryview(b""), 0
    rows = pc.binary_join_element_wise(*items, "</row>", "")
    last = len(rows)
    if not every:
        assert valued is not None
        rows = pc.if_else(valued, rows, "")  # a row of blanks is not written
        last = int(np.flatnonzero(valued.to_numpy(zero_copy_only=False))[-1]) + 1
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32, count=len(rows) + 1, offset=rows.offset * 4)
    data = rows.buffers()[2]
    xml = memoryview(data)[offsets[0] : offsets[-1]] if data is not None else memoryview(b"")
    return xml, start + 1 + last


def _column(values: np.ndarray, letter: str, numbers: pa.Array) -> list[object] | pa.Array | None:
    """A column's cells: the pieces of each cell when every row has one, else the cells themselves
    (null where blank); None when no row has one."""
    try:
        array = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # text and whole numbers in one column: each apart
        kinds = {type(v) for v in values}
        if not kinds <= {str, int, type(None)}:
            raise _Unplain from None
        texts = pa.array([v if type(v) is str else None for v in values], pa.string())
        wholes = pa.array([v if type(v) is int else None for v in values], pa.int64())
        return pc.coalesce(*(_joined(_cell(part, letter, numbers)) for part in (texts, wholes)))
    if pa.types.is_null(array.type):
        return None
    pieces = _cell(array, letter, numbers)
    value = pieces[3]
    assert isinstance(value, pa.Array)
    if value.null_count == 0:
        return pieces
    return None if value.null_count == len(value) else _joined(pieces)


def _joined(pieces: list[object]) -> pa.Array:
    """Each row's cell (null where the value is blank)."""
    return pc.binary_join_element_wise(*pieces, "")


def _cell(values: pa.Array, letter: str, numbers: pa.Array) -> list[object]:
    """The pieces of a column's cells (the value's piece null where blank)."""
    if pa.types.is_string(values.type):
        return [f'<c r="{letter}', numbers, '" t="inlineStr"><is><t>', _text(values), "</t></is></c>"]
    if pa.types.is_int64(values.type):
        low, high = pc.min_max(values).values()
        if low.is_valid and not -WHOLE < low.as_py() <= high.as_py() < WHOLE:
            raise _Unplain
        return [f'<c r="{letter}', numbers, '"><v>', pc.cast(values, pa.string()), ".0</v></c>"]
    raise _Unplain  # fractions, true/false, dates: the writer's own forms


def _text(values: pa.Array) -> pa.Array:
    """Text as the writer writes it in a cell, `&`, `<` and `>` escaped; blanks ("" too) null."""
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32, count=len(values) + 1, offset=values.offset * 4)
    data = values.buffers()[2]
    low, high = int(offsets[0]), int(offsets[-1])
    raw = np.frombuffer(data, dtype=np.uint8, count=high - low, offset=low) if high > low else np.empty(0, np.uint8)
    counts = np.bincount(raw, minlength=256)
    if counts[_CONTROL].any():
        raise _Unplain
    text = raw.data  # searched where a byte says it may hold what it looks for
    if (counts[b"_"[0]] and _MARKED.search(text)) or (counts[0xEF] and _NONCHARACTERS.search(text)):
        raise _Unplain
    lengths = np.diff(offsets)
    if lengths.max(initial=0) > CELL_CHARS and pc.max(pc.utf8_length(values)).as_py() > CELL_CHARS:
        raise _Unplain
    filled = lengths > 0
    edges = np.concatenate([offsets[:-1][filled], offsets[1:][filled] - 1]) - low
    if np.isin(raw[edges], _SPACES).any():
        raise _Unplain
    if not filled.all():
        values = pc.if_else(filled, values, pa.scalar(None, pa.string()))
    if any(counts[c] for c in _ESCAPED):
        for plain, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
            values = pc.replace_substring(values, plain, escaped)
    return values
