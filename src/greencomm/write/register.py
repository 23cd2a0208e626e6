"""Writing the register of titles (历年命名名录, docs/rules.md#register): the year's final titles
appended below the clerk's own rows, in the clerk's own columns, after a backup of the register
as it was; nothing is ever lost from it. A missing register is created.

The register is the clerk's own workbook, kept for years and edited by hand, so an existing one is
never re-saved through openpyxl: that would drop every formula's calculated value and flag the book
to be recalculated when opened (after which greencomm itself refuses those formulas), and lose what
openpyxl does not know. Its zip is copied part by part instead, in the same order and with the same
compression, and only these parts change:

- the register sheet's XML: the new rows after the table's last row, each cell styled like the
  cell above it, and the <dimension> grown to hold them;
- an Excel table (xl/tables/…) whose range ends at that last row, and the data validations and
  conditional formats whose ranges do: they grow to the new last row, so the table's banding and
  filter, the drop-downs and the colours cover the new rows.

Formulas and their values, the other sheets, styles and defined names stay byte for byte. The XML
is parsed with defusedxml to know its rows, and edited as bytes where the parse says they are; a
sheet whose bytes do not agree with the parse, or with anything where the new rows would go, is
refused with a message, never guessed at."""

from __future__ import annotations

import datetime as dt
import io
import numbers
import posixpath
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import BinaryIO
from xml.etree import ElementTree
from xml.sax.saxutils import escape, quoteattr

import defusedxml.ElementTree as SafeTree
import pandas as pd
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from greencomm.errors import RegisterError
from greencomm.programme.layouts import REGISTER_FIELDS, REGISTER_SHEET
from greencomm.read.guard import LOAD_MAX_MB, sheets_megabytes
from greencomm.read.inputs import Part, Placement
from greencomm.read.scan import BROKEN, UNSAFE
from greencomm.read.values import XML_ILLEGAL, pictures
from greencomm.read.workbook import read_workbook
from greencomm.write.atomic import atomic_write, read_only, write_bytes
from greencomm.write.xlsx import fit_columns, set_value, style_header, to_bytes

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
TABLE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/table"
UNREADABLE = BROKEN
ROW_LOOKS = ("s", "customFormat", "ht", "customHeight")  # what a new row takes from the last one
_CONTENT = {f"{{{MAIN}}}{tag}" for tag in ("v", "is", "f")}  # what makes a cell more than its format

_ENCODING = re.compile(rb"""(?:\xef\xbb\xbf)?<\?xml[^>]*?\sencoding\s*=\s*["']([\w.-]+)["']""")
_ROW_TAG = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)row(?=[\s/>])[^>]*>")
_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*(["'])(\d+)\1""")
_REF_ATTR = re.compile(rb"""(\s(?:ref|sqref)\s*=\s*(["']))([^"']*)(\2)""")
_SQREF_TEXT = re.compile(rb"(<((?:[\w.-]+:)?)sqref>)([^<]*)(</\2sqref>)")
_RANGE_AREAS = re.compile(rb"<((?:[\w.-]+:)?)(dataValidations|conditionalFormatting)(?=[\s>]).*?</\1\2\s*>", re.S)
_MERGE = re.compile(rb"""<(?:[\w.-]+:)?mergeCell\s[^>]*?ref\s*=\s*["']([^"']*)["']""")
_RANGE = re.compile(rb"(?<![A-Za-z$])(\$?[A-Z]{1,3}\$?)(\d+)(?::(\$?[A-Z]{1,3}\$?)(\d+))?")
_CELL_REF = re.compile(r"^\$?([A-Z]{1,3})\$?\d+$")
_LOOKS_ESCAPED = re.compile(r"_(x[0-9A-Fa-f]{4}_)")  # as write.xlsx.set_value: OOXML reads _x0041_ as "A"


class _Refused(Exception):
    """Why the register cannot be changed safely, in both languages; append_titles names the file."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


# ---------------------------------------------------------------- a new register
def _new_register() -> tuple[Workbook, Worksheet, dict[str, int]]:
    book = Workbook()
    sheet: Worksheet = book.create_sheet(REGISTER_SHEET)
    del book[book.sheetnames[0]]
    sheet.append([header for _, header in REGISTER_FIELDS])
    style_header(sheet, 1)
    return book, sheet, {key: n for n, (key, _) in enumerate(REGISTER_FIELDS)}


def _create(register: Path, titles: pd.DataFrame) -> None:
    """A register that does not exist yet: there is nothing of the clerk's to keep, so openpyxl writes it."""
    book, sheet, columns = _new_register()
    for n, row in enumerate(titles.itertuples(index=False)):
        for key, _ in REGISTER_FIELDS:
            set_value(sheet.cell(2 + n, columns[key] + 1), getattr(row, key))
    fit_columns(sheet)
    write_bytes(register, to_bytes(book))


# ---------------------------------------------------------------- the sheet as its parser sees it
@dataclass
class _Row:
    number: int
    filled: bool  # holds a value or a formula
    styles: dict[int, str] = field(default_factory=dict)  # column number → its cell's style index
    looks: dict[str, str] = field(default_factory=dict)  # height and style of the row itself


def _cell_columns(row: ElementTree.Element) -> list[tuple[int, ElementTree.Element]]:
    """(column number, cell) of a row's cells; a cell without `r` follows the one before it."""
    cells, column = [], 0
    for cell in row.iterfind(f"{{{MAIN}}}c"):
        found = _CELL_REF.match(cell.get("r", ""))
        column = column_index_from_string(found[1]) if found else column + 1
        cells.append((column, cell))
    return cells


def _row_of(element: ElementTree.Element, keep: bool) -> _Row:
    number = element.get("r", "")
    if not number.isdigit():
        raise _Refused("工作表中有未写明行号的行", "a row of the sheet has no row number")
    row = _Row(int(number), any(child.tag in _CONTENT for cell in element for child in cell))
    if keep:
        cells = _cell_columns(element)
        row.styles = {n: c.get("s", "") for n, c in cells if c.get("s", "").isdigit()}
        row.looks = {k: v for k in ROW_LOOKS if (v := element.get(k)) is not None}
    return row


def _parsed_rows(data: bytes, anchor: int) -> list[_Row]:
    """Every <row> of the sheet, streamed through defusedxml (no entities, no DTD); the styles of
    the `anchor` row, the new rows' model, are kept."""
    rows = []
    for _, element in SafeTree.iterparse(io.BytesIO(data), events=("end",)):
        if element.tag == f"{{{MAIN}}}row":
            rows.append(_row_of(element, element.get("r") == str(anchor)))
            element.clear()
    return rows


# ---------------------------------------------------------------- the sheet as bytes
@dataclass(frozen=True)
class _Span:
    number: int
    start: int
    end: int  # just after its </row> (or its own />)


def _row_spans(data: bytes) -> tuple[bytes, list[_Span]]:
    """The namespace prefix the rows are written with (b"" or b"x:") and where each <row> lies."""
    tags = list(_ROW_TAG.finditer(data))
    prefixes = {tag[1] for tag in tags}
    if len(prefixes) > 1:
        raise _Refused("工作表的行以不同的命名空间前缀写成", "the sheet's rows are written with different prefixes")
    prefix = prefixes.pop() if prefixes else b""
    closing = re.compile(rb"</" + re.escape(prefix) + rb"row\s*>")
    spans = []
    for tag in tags:
        number = _ROW_NUMBER.search(tag[0])
        if number is None:
            raise _Refused("工作表中有未写明行号的行", "a row of the sheet has no row number")
        end = closing.search(data, tag.end()) if not tag[0].endswith(b"/>") else None
        spans.append(_Span(int(number[2]), tag.start(), end.end() if end else tag.end()))
    return prefix, spans


def _located(data: bytes, anchor: int) -> tuple[bytes, list[_Span], list[_Row]]:
    """The rows found in the bytes, checked against the rows the parser sees: same numbers, in
    order, none inside another. Comments and CDATA, which Excel never writes and which could hide
    markup from a byte search, are refused, and so is an encoding the new rows' UTF-8 would not fit."""
    if b"<!--" in data or b"<![CDATA[" in data:
        raise _Refused("工作表的 XML 含有注释或 CDATA 段", "the sheet's XML holds comments or CDATA sections")
    declared = _ENCODING.match(data)
    if declared and declared[1].lower() not in (b"utf-8", b"utf8"):
        encoding = declared[1].decode("ascii", "replace")
        raise _Refused(f"工作表的 XML 编码为 {encoding}", f"the sheet's XML is encoded in {encoding}")
    parsed = _parsed_rows(data, anchor)
    prefix, spans = _row_spans(data)
    ordered = all(a.end <= b.start and a.number < b.number for a, b in pairwise(spans))
    if [s.number for s in spans] != [r.number for r in parsed] or not ordered:
        raise _Refused(
            "工作表的 XML 写法特殊，无法安全地追加行",
            "the sheet's XML is written in a way rows cannot safely be added to",
        )
    return prefix, spans, parsed


# ---------------------------------------------------------------- ranges that end at the last row
def _grows(end: int, last: int, new_last: int) -> bool:
    """Whether a range ending at row `end` is one the new rows extend: it ends at the last row, or
    in the empty rows below it that the new rows fill (a table or drop-down made a little longer)."""
    return last <= end < new_last


def _grow(ranges: bytes, last: int, new_last: int) -> bytes:
    """`A2:E119 G5` with 119 the last row → `A2:E185 G5`: only ranges ending at the last row (or in
    the rows the new ones fill) grow."""

    def grow(found: re.Match[bytes]) -> bytes:
        if found[3] is None or int(found[2]) > last or not _grows(int(found[4]), last, new_last):
            return found[0]
        return found[1] + found[2] + b":" + found[3] + str(new_last).encode()

    return _RANGE.sub(grow, ranges)


def _grow_refs(text: bytes, last: int, new_last: int) -> bytes:
    """Every ref="…" / sqref="…" attribute and <xm:sqref> text of `text`, grown."""
    text = _REF_ATTR.sub(lambda m: m[1] + _grow(m[3], last, new_last) + m[4], text)
    return _SQREF_TEXT.sub(lambda m: m[1] + _grow(m[3], last, new_last) + m[4], text)


def _grow_validations(tail: bytes, last: int, new_last: int) -> bytes:
    """Data validations and conditional formats (Excel's own and their x14 extensions), grown."""
    return _RANGE_AREAS.sub(lambda m: _grow_refs(m[0], last, new_last), tail)


def _grow_dimension(head: bytes, prefix: bytes, new_last: int, new_right: int) -> bytes:
    """The <dimension ref> that says where the sheet's cells reach, grown to the new rows."""

    def grow(found: re.Match[bytes]) -> bytes:
        area = _RANGE.fullmatch(found[3])
        if area is None:
            return found[0]
        left, top = area[1], area[2]
        right = area[3] or area[1]
        column = max(column_index_from_string(right.decode().replace("$", "")), new_right)
        bottom = max(int(area[4] or area[2]), new_last)
        return found[1] + left + top + f":{get_column_letter(column)}{bottom}".encode() + found[4]

    tag = re.compile(rb"<" + re.escape(prefix) + rb"dimension\b[^>]*>")
    found = tag.search(head)
    if found is None:
        return head
    return head[: found.start()] + _REF_ATTR.sub(grow, found[0], count=1) + head[found.end() :]


def _grow_table(data: bytes, last: int, new_last: int) -> bytes | None:
    """An Excel table whose range ends at the last row, grown with its filter and sort ranges;
    None for a table elsewhere, or one with a totals row (it would sit where the new rows go)."""
    table = SafeTree.fromstring(data)
    end = table.get("ref", "").rsplit(":", 1)[-1].lstrip("$ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if not end.isdigit() or not _grows(int(end), last, new_last) or table.get("totalsRowCount", "0") not in ("", "0"):
        return None
    return _grow_refs(data, last, new_last)


# ---------------------------------------------------------------- the new rows
def _number(value: numbers.Real) -> str:
    as_float = float(value)
    return str(int(as_float)) if as_float.is_integer() else repr(as_float)


def _cell(ref: str, value: object, style: str | None, p: str) -> str:
    """One cell: a number as a number, text as an inline string (never a formula, whatever it
    looks like), nothing but its style when there is no value."""
    s = f' s="{style}"' if style else ""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return f'<{p}c r="{ref}"{s}/>' if style and style != "0" else ""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return f'<{p}c r="{ref}"{s}><{p}v>{_number(value)}</{p}v></{p}c>'
    text = pictures(_LOOKS_ESCAPED.sub(r"_x005F_\1", str(value)), XML_ILLEGAL)
    space = ' xml:space="preserve"' if text != text.strip() else ""
    body = escape(text, {"\r": "&#13;"})
    return f'<{p}c r="{ref}"{s} t="inlineStr"><{p}is><{p}t{space}>{body}</{p}t></{p}is></{p}c>'


Fields = tuple[tuple[str, str], ...]  # (key, header) of the columns written: the register's, or 状态变更记录's


def _rows_xml(
    titles: pd.DataFrame, place: Placement, model: _Row | None, p: str, fields: Fields = REGISTER_FIELDS
) -> bytes:
    """The titles as <row> elements below the last row, in the register's columns, each cell
    styled like the one above it (a register with no rows yet: the default style, not the header's)."""
    keys = {place.columns[key] + 1: key for key, _ in fields if key in place.columns}
    styles = model.styles if model else {}
    looks = "".join(f" {k}={quoteattr(v)}" for k, v in (model.looks if model else {}).items())
    rows = []
    for n, title in enumerate(titles.itertuples(index=False)):
        number = place.last_row + 1 + n
        cells = "".join(
            _cell(f"{get_column_letter(c)}{number}", getattr(title, keys[c]) if c in keys else None, styles.get(c), p)
            for c in sorted(set(keys) | set(styles))
        )
        rows.append(f'<{p}row r="{number}"{looks}>{cells}</{p}row>')
    return "".join(rows).encode("utf-8")


def _clear_below(spans: list[_Span], parsed: list[_Row], merged: list[bytes], last: int, new_last: int) -> int:
    """Where the rows below the last one that the new rows replace end. Empty rows there (a height,
    a border) give way; a row with anything in it, or a merged range reaching there, is refused."""
    end = 0
    for span, row in zip(spans, parsed, strict=True):
        if last < span.number <= new_last:
            if row.filled:
                raise _Refused(
                    f"名录最后一行之下的第 {span.number} 行已有内容，新的称号要写在那里；请先移走它",
                    f"row {span.number}, below the register's last row where the new titles go, is not empty; move it",
                )
            end = span.end
    for ref in merged:
        rows = [int(r) for r in re.findall(rb"\d+", ref)]
        if rows and min(rows) <= new_last and max(rows) > last:
            area = ref.decode("ascii", "replace")
            raise _Refused(
                f"合并单元格 {area} 伸入新称号要写入的行", f"the merged cells {area} reach into the new rows"
            )
    return end


def _edit_sheet(data: bytes, place: Placement, titles: pd.DataFrame, fields: Fields = REGISTER_FIELDS) -> bytes:
    """The register sheet's XML with the titles appended: new rows after the last row (replacing
    empty rows there), the dimension, validations and conditional formats grown; the rest as it was."""
    last, new_last = place.last_row, place.last_row + len(titles)
    prefix, spans, parsed = _located(data, last)
    at = next((i for i, s in enumerate(spans) if s.number == last), None)
    if at is None:
        raise _Refused(f"工作表的 XML 中找不到第 {last} 行", f"row {last} is not in the sheet's XML")
    model = parsed[at] if last > place.header_row else None
    cut = max(spans[at].end, _clear_below(spans, parsed, _MERGE.findall(data), last, new_last))
    right = max(place.columns.values(), default=0) + 1
    head = _grow_dimension(data[: spans[at].end], prefix, new_last, right)
    rows = _rows_xml(titles, place, model, prefix.decode("ascii"), fields)
    return head + rows + _grow_validations(data[cut:], last, new_last)


# ---------------------------------------------------------------- the zip
def _table_parts(archive: zipfile.ZipFile, sheet: str) -> list[str]:
    """The Excel tables of a sheet, from its relationships."""
    folder, name = posixpath.split(sheet)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    if rels not in archive.namelist():
        return []
    found = []
    for rel in SafeTree.fromstring(archive.read(rels)):
        target = rel.get("Target", "")
        if rel.get("Type") == TABLE_REL and rel.get("TargetMode") != "External":
            found.append(
                target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            )
    return found


def _changed_parts(
    register: Path, sheet: str, place: Placement, titles: pd.DataFrame, fields: Fields = REGISTER_FIELDS
) -> dict[str, bytes]:
    """The parts of the register that change, by name, with their new content."""
    part = read_workbook(register).parts[sheet]
    new_last = place.last_row + len(titles)
    with zipfile.ZipFile(register) as archive:
        changed = {part: _edit_sheet(archive.read(part), place, titles, fields)}
        for table in _table_parts(archive, part):
            grown = _grow_table(archive.read(table), place.last_row, new_last)
            if grown is not None:
                changed[table] = grown
    return changed


def _twin(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A zip entry's header for the copy: same name, time, compression and attributes."""
    twin = zipfile.ZipInfo(info.filename, info.date_time)
    twin.compress_type = info.compress_type
    twin.external_attr = info.external_attr
    twin.create_system = info.create_system
    twin.comment = info.comment
    return twin


def copy_zip(source: Path, changed: dict[str, bytes], handle: BinaryIO, added: dict[str, bytes] | None = None) -> None:
    """The workbook's zip copied entry by entry, in order; the changed parts' content replaced, the
    `added` parts last (write/register_changes.py adds a sheet this way)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(handle, "w") as new:
        new.comment = old.comment
        for info in old.infolist():
            twin = _twin(info)
            if info.filename in changed:
                new.writestr(twin, changed[info.filename])
                continue
            twin.file_size = info.file_size
            with old.open(info) as reading, new.open(twin, "w") as writing:
                shutil.copyfileobj(reading, writing, 1 << 20)
        for name, data in (added or {}).items():
            new.writestr(zipfile.ZipInfo(name, dt.datetime.now().timetuple()[:6]), data, zipfile.ZIP_DEFLATED)


# ---------------------------------------------------------------- appending
def _refuse_unchangeable(register: Path) -> None:
    """A register the clerk made read-only, or one too large to hold in memory, is left alone."""
    if read_only(register):
        raise RegisterError(
            f"{register}: 名录是只读文件，未写入也未备份；如需写入请先取消只读"
            f" / the register is read-only; nothing was written or backed up"
        )
    if sheets_megabytes(register) > LOAD_MAX_MB:
        raise RegisterError(
            f"{register}: 名录文件过大（工作表超过 {LOAD_MAX_MB} MB），无法安全更新；请删除多余的工作表后重试"
            f" / the register is too large to update safely"
        )


def _edits(
    register: Path, sheet: str, place: Placement, titles: pd.DataFrame, fields: Fields = REGISTER_FIELDS
) -> dict[str, bytes]:
    """`_changed_parts`, with every reason it cannot be done as a RegisterError naming the register."""
    try:
        return _changed_parts(register, sheet, place, titles, fields)
    except _Refused as exc:
        raise RegisterError(f"{register}: {exc.zh}，名录未改动 / {exc.en}; the register was not changed") from exc
    except UNSAFE as exc:  # before UNREADABLE: defusedxml's refusals are ValueErrors
        raise RegisterError(f"{register}: 名录含有不安全的 XML，未改动 / the register holds unsafe XML") from exc
    except UNREADABLE as exc:
        raise RegisterError(f"{register}: 名录文件已损坏，未改动（{exc}）/ the register is damaged") from exc


def _backup(register: Path, now: dt.datetime | None) -> Path:
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    backup = register.with_name(f"{register.stem}.备份-{stamp}{register.suffix}")
    n = 1
    while backup.exists():  # two changes within a second: each keeps its own backup
        n += 1
        backup = register.with_name(f"{register.stem}.备份-{stamp}-{n}{register.suffix}")
    write_bytes(backup, register.read_bytes())
    return backup


def append_titles(
    register: Path, titles: pd.DataFrame, read: Part | None, now: dt.datetime | None = None
) -> tuple[int, Path | None]:
    """Append `titles` to the register `read` is (None: a register to create); returns how many,
    and the backup of the register as it was. Every refusal comes before the backup is written."""
    if read is None:
        _create(register, titles)
        return len(titles), None
    _refuse_unchangeable(register)
    _, found = next(iter(read.places))  # the register's own table: read first, before its 状态变更记录
    changed = _edits(register, found, read.places[(register.name, found)], titles)
    backup = _backup(register, now)
    try:
        atomic_write(register, lambda handle: copy_zip(register, changed, handle))
    except UNREADABLE as exc:  # a part that cannot be copied: atomic_write left the register as it was
        raise RegisterError(f"{register}: 名录文件已损坏，未改动（{exc}）/ the register is damaged") from exc
    return len(titles), backup
