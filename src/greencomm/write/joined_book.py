"""A large sheet's data rows, made apart (write/sheet_rows.py), spliced into the workbook the
writer wrote with that sheet cut short; and the rows the writer repeats, dropped
(docs/rules.md#speed-and-memory).

A result workbook of 100,000 communities carries the inputs as read (申报汇总表, 100,000 × 50
cells) and lists every community that failed (未通过): the writer would spend most of its time
on those two sheets, most of that compressing. So write_book has the writer write the workbook
with such a sheet cut to its header (and, for a sheet whose rows are coloured, one row of each
colour, so that each colour's format gets its number) — its name, place, widths, header format,
merged title, print titles, filter and conditional formats declared as they would be — and `join`
puts the rows in: the sheet's XML is the writer's up to the header row's end, then the rows, then
the writer's again, its used range, its filter's range (in the sheet and in the workbook's names)
and its conditional formats' ranges reaching the last row. The sheet's deflated data is three
streams one after the other (the head and the rows each end on a sync flush), and its CRC the
three CRCs combined: the 237 MB of XML are compressed once.

The writer also writes the last row of a sheet again, empty and under the same number, when that
row has a colour or height of its own — and the header of a sheet without data rows — which Excel
reports as damaged content; `join` drops those repeats from any sheet it is given.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from xml.etree import ElementTree

from isal import isal_zlib

from greencomm.read.scan import stored_start
from greencomm.write.sheet_rows import LEVEL, Rows

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ZIP32 = 0xFFFFFFFF  # sizes a zip without its 64-bit extension holds


def _parts(archive: zipfile.ZipFile) -> tuple[list[str], dict[str, str]]:
    """The sheets' names in order and each one's XML part."""
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PACKAGE_REL}Relationship")}
    names, parts = [], {}
    for sheet in book.iter(f"{_MAIN}sheet"):
        name = sheet.get("name", "")
        names.append(name)
        parts[name] = "xl/" + targets.get(sheet.get(_REL), "").removeprefix("/xl/").removeprefix("/")
    return names, parts


def _filter_pattern(index: int) -> re.Pattern[bytes]:
    return re.compile(rb'(<definedName name="_xlnm._FilterDatabase" localSheetId="%d"[^>]*>)([^<]*)(<)' % index)


_DIMENSION = re.compile(rb'<dimension ref="A1(?::([A-Z]+)[0-9]+)?"/>')
_FILTER = re.compile(rb'<autoFilter ref="A([0-9]+)(?::([A-Z]+)[0-9]+)?"/>')
_SQREF = re.compile(rb'sqref="([A-Z]+)([0-9]+)(?::([A-Z]+)[0-9]+)?"')  # a conditional format's range
_NAMED = re.compile(rb"\$([A-Z]+)\$([0-9]+)(?::\$([A-Z]+)\$[0-9]+)?$")  # the filter's range as the workbook names it
_ROWS = re.compile(rb"(?:<row [^>]*/>|<row [^>]*>.*?</row>)*", re.DOTALL)  # rows, and nothing else
_ROW_NUMBER = re.compile(rb'<row r="(\d+)"')
_EMPTY_ROW = re.compile(rb'<row r="(\d+)"[^>]*/>')


def join(main: bytes, sheets: Mapping[str, Rows | None]) -> bytes | None:
    """`main` with the rows the writer repeats dropped from each sheet named in `sheets`, and,
    where `rows` are given, those in the place of every row under the sheet's header; None when
    `main` is not laid out as expected."""
    with zipfile.ZipFile(io.BytesIO(main)) as base:
        order, parts = _parts(base)
        book = base.read("xl/workbook.xml")
        spliced: dict[str, tuple[list[bytes], int, int, int]] = {}
        for name, rows in sheets.items():
            part = _spliced(base.read(parts[name]), rows)
            if part is None:
                return None
            spliced[parts[name]] = part
            if rows is not None:  # the filter's range in the workbook's names reaches the last row too
                found = _filter_pattern(order.index(name)).search(book)
                ends = _NAMED.search(found[2]) if found else None
                if found is None or ends is None:
                    return None
                reach = found[2][: ends.start()] + b"$%s$%s:$%s$%d" % (ends[1], ends[2], ends[3] or ends[1],
                                                                         int(ends[2]) + rows.count)  # fmt: skip
                book = book[: found.start(2)] + reach + book[found.end(2) :]
        if len(main) + sum(part[2] for part in spliced.values()) >= _ZIP32:  # beyond a plain zip
            return None
        out = _Pieces()
        entries = []
        for info in base.infolist():
            if info.filename == "xl/workbook.xml":
                entries.append(_write_entry(out, info.filename, info.date_time, *_deflated(book)))
            elif info.filename in spliced:
                entries.append(_write_entry(out, info.filename, info.date_time, *spliced[info.filename]))
            else:
                entries.append(_write_entry(out, info.filename, info.date_time, [_raw(main, info)], info.CRC,
                                            info.file_size, info.compress_type))  # fmt: skip
        _write_directory(out, entries)
        return out.joined()


class _Pieces:
    """The workbook's bytes as the pieces they come in, joined once at the end: a large sheet's
    rows (tens of megabytes, deflated) are copied once, where each copy of them cost a fresh
    allocation's page faults."""

    def __init__(self) -> None:
        self.pieces: list[bytes | memoryview] = []
        self.size = 0

    def write(self, piece: bytes | memoryview) -> None:
        self.pieces.append(piece)
        self.size += len(piece)

    def tell(self) -> int:
        return self.size

    def joined(self) -> bytes:
        return b"".join(self.pieces)


def _spliced(xml: bytes, rows: Rows | None) -> tuple[list[bytes], int, int, int] | None:
    """A sheet's XML without the rows the writer repeats after its last row of cells; or, given
    `rows`, with them in the place of every row under its header (the sheet held by its header and
    a row of each look): deflated, its CRC, its size and the compression method; None when the
    sheet does not look like one."""
    end = xml.find(b"</sheetData>")
    if rows is None:
        close = xml.rfind(b"</row>", 0, end) + len(b"</row>")
        kept = _kept(xml, close, end) if end >= 0 and close >= len(b"</row>") else None
        return None if kept is None else _deflated(xml[:close] + kept + xml[end:])
    header = rows.top + 1  # its number
    opened = re.compile(rb'<row r="%d"[^>]*>' % header).search(xml, 0, end if end >= 0 else len(xml))
    close = xml.find(b"</row>", opened.end()) + len(b"</row>") if opened is not None else -1
    dimension = _DIMENSION.search(xml, 0, close if close >= 0 else 0)
    if end < 0 or close < 0 or dimension is None or not _ROWS.fullmatch(xml, close, end):
        return None
    width = dimension[1] or b"A"  # the header's
    used = b"A1" if rows.last == 1 and width == b"A" else b"A1:%s%d" % (width, rows.last)
    head = xml[: dimension.start()] + b'<dimension ref="%s"/>' % used + xml[dimension.end() : close]
    last = header + rows.count  # the filter and the conditional formats reach it
    tail, filters = _FILTER.subn(lambda m: b'<autoFilter ref="A%d:%s%d"/>' % (header, m[2] or b"A", last), xml[end:])
    tail = _SQREF.sub(lambda m: b'sqref="%s"' % _span(m[1], header + 1, m[3] or m[1], last), tail)
    if filters != 1:
        return None
    first, closing = zlib.compressobj(6, zlib.DEFLATED, -15), zlib.compressobj(6, zlib.DEFLATED, -15)
    deflated = [first.compress(head) + first.flush(zlib.Z_SYNC_FLUSH), *rows.deflated,
                closing.compress(tail) + closing.flush()]  # fmt: skip
    crc = isal_zlib.crc32_combine(isal_zlib.crc32_combine(zlib.crc32(head), rows.crc, rows.size), zlib.crc32(tail),
                                  len(tail))  # fmt: skip
    return deflated, crc, len(head) + rows.size + len(tail), zipfile.ZIP_DEFLATED


def _span(first: bytes, top: int, last_column: bytes, bottom: int) -> bytes:
    """A range as the writer writes it: one cell alone without its colon."""
    if first == last_column and top == bottom:
        return b"%s%d" % (first, top)
    return b"%s%d:%s%d" % (first, top, last_column, bottom)


def row_formats(book: bytes, name: str, numbers: list[int]) -> list[int | None] | None:
    """The format number the rows `numbers` (counted from 1) of the sheet `name` have in `book`
    (None: a row without one); None when a row is not there."""
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        _, parts = _parts(archive)
        xml = archive.read(parts[name])
    found: list[int | None] = []
    for number in numbers:
        row = re.search(rb'<row r="%d"([^>]*)>' % number, xml)
        if row is None:
            return None
        style = re.search(rb' s="(\d+)"', row[1])
        found.append(int(style[1]) if style else None)
    return found


def _kept(xml: bytes, close: int, end: int) -> bytes | None:
    """Of the empty rows between a sheet's last row of cells (ending at `close`) and the end of its
    data, those the writer means: the ones numbered past the row before them (it repeats the last
    row, or the header of a sheet without data rows, under the same number: Excel would call that
    damaged). None when anything else is there."""
    number = _ROW_NUMBER.match(xml, xml.rfind(b"<row ", 0, close))
    if number is None:
        return None
    last, position, kept = int(number[1]), close, []
    for row in _EMPTY_ROW.finditer(xml, close, end):
        if row.start() != position:
            return None
        position = row.end()
        if int(row[1]) > last:
            kept.append(row[0])
            last = int(row[1])
    return b"".join(kept) if position == end else None


def _raw(data: bytes, info: zipfile.ZipInfo) -> memoryview:
    """An entry's bytes as stored (compressed), where they lie in `data`."""
    start = stored_start(io.BytesIO(data), info)
    return memoryview(data)[start : start + info.compress_size]


def _deflated(data: bytes) -> tuple[list[bytes], int, int, int]:
    """A part rewritten, deflated by ISA-L (a sheet of lists at 100,000 communities is 70 MB of XML)."""
    packer = isal_zlib.compressobj(LEVEL, isal_zlib.DEFLATED, -15)
    return [packer.compress(data), packer.flush()], isal_zlib.crc32(data), len(data), zipfile.ZIP_DEFLATED


_Entry = tuple[bytes, int, int, int, int, int, int, int]  # name, time, date, crc, sizes, method, offset


def _dos(date_time: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    year, month, day, hour, minute, second = date_time
    return hour << 11 | minute << 5 | second // 2, max(year - 1980, 0) << 9 | month << 5 | day


def _write_entry(
    out: _Pieces,
    name: str,
    date_time: tuple[int, int, int, int, int, int],
    raw: Sequence[bytes | memoryview],
    crc: int,
    size: int,
    method: int,
) -> _Entry:
    """An entry: its local header, then its stored bytes (`raw`, in pieces)."""
    encoded = name.encode("utf-8")
    time, date = _dos(date_time)
    offset, stored = out.tell(), sum(len(piece) for piece in raw)
    out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, _flags(encoded), method, time, date, crc, stored, size,
                          len(encoded), 0))  # fmt: skip
    out.write(encoded)
    for piece in raw:
        out.write(piece)
    return encoded, time, date, crc, stored, size, method, offset


def _flags(encoded: bytes) -> int:
    return 0 if encoded.isascii() else 0x800  # bit 11: the name is UTF-8


def _write_directory(out: _Pieces, entries: list[_Entry]) -> None:
    start = out.tell()
    for encoded, time, date, crc, compressed, size, method, offset in entries:
        out.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, _flags(encoded), method, time, date, crc,
                              compressed, size, len(encoded), 0, 0, 0, 0, 0, offset))  # fmt: skip
        out.write(encoded)
    end = out.tell()
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), end - start, start, 0))
