"""A large sheet written beside the rest of its workbook and joined in, its compressed XML copied
as it is (docs/rules.md#speed-and-memory).

A result workbook of 100,000 communities carries the inputs as read (申报汇总表, 100,000 × 50
cells): the writer spends two thirds of its time on that one sheet. So write_book writes it in a
second call of the writer, in a thread beside the call that writes the other sheets (the writer
works outside Python's lock), and `join` puts the two files together: the workbook of the other
sheets holds the large sheet by its header alone (so its name, place, print titles and filter are
declared as they would be), and that sheet's XML part is replaced by the one written apart, copied
compressed, byte for byte.

A cell names its format by number, and the two files number their formats each in its own order:
the file written apart starts with the first sheet of the workbook emptied to its header, so the
header's format comes out under the same number. `join` checks it: every format of the file written
apart must be, under the same number, the same (font, fill, border, number format, alignment) in
the other, else it answers None and the caller writes the workbook in one call.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from xml.etree import ElementTree

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


def _format(styles: ElementTree.Element, number: int) -> tuple[str, ...] | None:
    """A cell format as it looks: its font, fill, border, number format and alignment, spelled out."""
    xfs = styles.find(f"{_MAIN}cellXfs")
    if xfs is None or number >= len(xfs):
        return None
    xf = xfs[number]

    def pick(group: str, key: str) -> str:
        found = styles.find(f"{_MAIN}{group}")
        index = int(xf.get(key, "0"))
        return ElementTree.tostring(found[index]).decode() if found is not None and index < len(found) else ""

    codes = {f.get("numFmtId"): f.get("formatCode", "") for f in styles.iter(f"{_MAIN}numFmt")}
    number_format = xf.get("numFmtId", "0")
    inner = "".join(ElementTree.tostring(child).decode() for child in xf)
    return (pick("fonts", "fontId"), pick("fills", "fillId"), pick("borders", "borderId"),
            number_format, codes.get(number_format, ""), inner)  # fmt: skip


def _filter_pattern(index: int) -> re.Pattern[bytes]:
    return re.compile(rb'(<definedName name="_xlnm._FilterDatabase" localSheetId="%d"[^>]*>)([^<]*)(<)' % index)


def join(main: bytes, apart: bytes, names: list[str]) -> bytes | None:
    """`main` with the sheets `names` taken from `apart`, each sheet's compressed XML copied as it
    is and its filter's range with it; None when a format of theirs would not look the same."""
    with zipfile.ZipFile(io.BytesIO(main)) as base, zipfile.ZipFile(io.BytesIO(apart)) as other:
        order, base_parts = _parts(base)
        other_order, other_parts = _parts(other)
        base_styles = ElementTree.fromstring(base.read("xl/styles.xml"))
        other_styles = ElementTree.fromstring(other.read("xl/styles.xml"))
        book = base.read("xl/workbook.xml")
        taken: dict[str, zipfile.ZipInfo] = {}
        formats = other_styles.find(f"{_MAIN}cellXfs")
        every = range(len(formats) if formats is not None else 0)  # what any cell written apart can name
        looks = [_format(base_styles, n) for n in every]
        if None in looks or looks != [_format(other_styles, n) for n in every]:
            return None
        other_book = other.read("xl/workbook.xml")
        for name in names:
            wanted = _filter_pattern(other_order.index(name)).search(other_book)
            held = _filter_pattern(order.index(name))
            if wanted is None or held.search(book) is None:  # both filter their rows, or the join is off
                return None
            book = held.sub(rb"\g<1>" + wanted[2].replace(b"\\", b"\\\\") + rb"\g<3>", book, count=1)
            taken[base_parts[name]] = other.getinfo(other_parts[name])
        if len(main) + sum(info.file_size for info in taken.values()) >= _ZIP32:  # beyond a plain zip
            return None
        out = io.BytesIO()
        entries = []
        for info in base.infolist():
            if info.filename == "xl/workbook.xml":
                entries.append(_write_entry(out, info.filename, info.date_time, *_deflated(book)))
                continue
            data, found = (apart, taken[info.filename]) if info.filename in taken else (main, info)
            raw = _raw(data, found)
            entries.append(_write_entry(out, info.filename, info.date_time, raw, found.CRC, found.file_size,
                                        found.compress_type))  # fmt: skip
        _write_directory(out, entries)
        return out.getvalue()


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
