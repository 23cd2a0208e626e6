"""A large sheet's data rows, made apart (write/sheet_rows.py), spliced into the workbook the
writer wrote with that sheet's header alone (docs/rules.md#speed-and-memory).

A result workbook of 100,000 communities carries the inputs as read (申报汇总表, 100,000 × 50
cells): the writer would spend two thirds of its time on that one sheet, most of it compressing.
So write_book has the writer write the workbook with that sheet cut to its header — its name,
place, widths, header format, print titles and filter declared as they would be — and `join`
puts the rows in: the sheet's XML is the writer's up to the header row's end, then the rows, then
the writer's again, its used range and its filter's range (in the sheet and in the workbook's
names) reaching the last row. The rows' cells take no format, so no format's number is at stake.
The sheet's deflated data is three streams one after the other (the head and the rows each end
on a sync flush), and its CRC the three CRCs combined: the 237 MB of XML are compressed once.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from xml.etree import ElementTree

from isal import isal_zlib

from greencomm.write.sheet_rows import Rows

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


_DIMENSION = re.compile(rb'<dimension ref="A1(?::([A-Z]+)1)?"/>')
_FILTER = re.compile(rb'<autoFilter ref="A1(?::([A-Z]+)1)?"/>')
_NAMED = re.compile(rb"\$([A-Z]+)\$1(?::\$([A-Z]+)\$1)?$")  # the filter's range as the workbook names it
_STRAY = re.compile(rb"(?:<row [^>]*/>)*")  # heights the writer repeats after a sheet without data rows


def join(main: bytes, sheets: dict[str, Rows | None]) -> bytes | None:
    """`main` with each sheet named in `sheets` ended at its last row of cells — the empty rows the
    writer repeats after the header of a sheet without data dropped — and, where given, `rows`
    spliced in after its header; None when `main` is not laid out as expected."""
    with zipfile.ZipFile(io.BytesIO(main)) as base:
        order, parts = _parts(base)
        book = base.read("xl/workbook.xml")
        spliced: dict[str, tuple[bytes, int, int, int]] = {}
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
                reach = found[2][: ends.start()] + b"$%s$1:$%s$%d" % (ends[1], ends[2] or ends[1], rows.count + 1)
                book = book[: found.start(2)] + reach + book[found.end(2) :]
        if len(main) + sum(part[2] for part in spliced.values()) >= _ZIP32:  # beyond a plain zip
            return None
        out = io.BytesIO()
        entries = []
        for info in base.infolist():
            if info.filename == "xl/workbook.xml":
                entries.append(_write_entry(out, info.filename, info.date_time, *_deflated(book)))
            elif info.filename in spliced:
                entries.append(_write_entry(out, info.filename, info.date_time, *spliced[info.filename]))
            else:
                entries.append(_write_entry(out, info.filename, info.date_time, _raw(main, info), info.CRC,
                                            info.file_size, info.compress_type))  # fmt: skip
        _write_directory(out, entries)
        return out.getvalue()


def _spliced(xml: bytes, rows: Rows | None) -> tuple[bytes, int, int, int] | None:
    """A sheet's XML ended at its last row of cells, with `rows` after it (a sheet that holds its
    header row alone): deflated, its CRC, its size and the compression method; None when the
    sheet does not look like one."""
    end = xml.find(b"</sheetData>")
    close = xml.rfind(b"</row>", 0, end) + len(b"</row>")
    if end < 0 or close < len(b"</row>") or not _STRAY.fullmatch(xml, close, end):
        return None
    if rows is None:
        return _deflated(xml[:close] + xml[end:])
    dimension, reach = _DIMENSION.search(xml, 0, close), _FILTER.search(xml, end)
    if xml.count(b"</row>", 0, close) != 1 or dimension is None or reach is None:
        return None
    last_column = dimension[1] or b"A"
    used = b"A1" if rows.last == 1 and dimension[1] is None else b"A1:%s%d" % (last_column, rows.last)
    head = xml[: dimension.start()] + b'<dimension ref="%s"/>' % used + xml[dimension.end() : close]
    filtered = b'<autoFilter ref="A1:%s%d"/>' % (reach[1] or b"A", rows.count + 1)
    tail = xml[end : reach.start()] + filtered + xml[reach.end() :]
    first, last = zlib.compressobj(6, zlib.DEFLATED, -15), zlib.compressobj(6, zlib.DEFLATED, -15)
    deflated = first.compress(head) + first.flush(zlib.Z_SYNC_FLUSH) + rows.deflated
    deflated += last.compress(tail) + last.flush()
    crc = isal_zlib.crc32_combine(isal_zlib.crc32_combine(zlib.crc32(head), rows.crc, rows.size), zlib.crc32(tail),
                                  len(tail))  # fmt: skip
    return deflated, crc, len(head) + rows.size + len(tail), zipfile.ZIP_DEFLATED


def _raw(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """An entry's bytes as stored (compressed), read past its local header."""
    start = info.header_offset
    if data[start : start + 4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"{info.filename}: no local header")
    name_length, extra_length = struct.unpack("<HH", data[start + 26 : start + 30])
    begin = start + 30 + name_length + extra_length
    return data[begin : begin + info.compress_size]


def _deflated(data: bytes) -> tuple[bytes, int, int, int]:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(), zlib.crc32(data), len(data), zipfile.ZIP_DEFLATED


_Entry = tuple[bytes, int, int, int, int, int, int, int]  # name, time, date, crc, sizes, method, offset


def _dos(date_time: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    year, month, day, hour, minute, second = date_time
    return hour << 11 | minute << 5 | second // 2, max(year - 1980, 0) << 9 | month << 5 | day


def _write_entry(
    out: io.BytesIO,
    name: str,
    date_time: tuple[int, int, int, int, int, int],
    raw: bytes,
    crc: int,
    size: int,
    method: int,
) -> _Entry:
    encoded = name.encode("utf-8")
    time, date = _dos(date_time)
    offset = out.tell()
    out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, _flags(encoded), method, time, date, crc, len(raw), size,
                          len(encoded), 0))  # fmt: skip
    out.write(encoded)
    out.write(raw)
    return encoded, time, date, crc, len(raw), size, method, offset


def _flags(encoded: bytes) -> int:
    return 0 if encoded.isascii() else 0x800  # bit 11: the name is UTF-8


def _write_directory(out: io.BytesIO, entries: list[_Entry]) -> None:
    start = out.tell()
    for encoded, time, date, crc, compressed, size, method, offset in entries:
        out.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, _flags(encoded), method, time, date, crc,
                              compressed, size, len(encoded), 0, 0, 0, 0, 0, offset))  # fmt: skip
        out.write(encoded)
    end = out.tell()
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), end - start, start, 0))
