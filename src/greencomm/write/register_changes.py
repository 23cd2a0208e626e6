"""Appending status changes to the register (状态变更记录, docs/rules.md#register): dated entries of
整改, 撤销 and 恢复 after the sheet's last row, after a backup of the register as it was. The
register's own rows are never touched.

As with the titles (greencomm.write.register), the clerk's workbook is never re-saved through
openpyxl: its zip is copied part by part. An existing 状态变更记录 sheet gets its new rows as the
register sheet gets titles (styled like the row above, its table, drop-downs and colours grown). A
register without one gets a new sheet part, and only the parts that name it change: the workbook's
sheet list, its relationships and [Content_Types].xml. Everything else stays byte for byte."""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from pathlib import Path

import defusedxml.ElementTree as SafeTree
import pandas as pd
from openpyxl.utils import get_column_letter

from greencomm.errors import RegisterError
from greencomm.programme.layouts import CHANGE_FIELDS, CHANGES_SHEET
from greencomm.read.inputs import Part
from greencomm.read.scan import UNSAFE
from greencomm.read.workbook import find_sheet, read_workbook
from greencomm.write.atomic import atomic_write
from greencomm.write.register import (
    MAIN,
    UNREADABLE,
    _backup,
    _cell,
    _edits,
    _refuse_unchangeable,
    copy_zip,
)

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKSHEET_REL = REL + "/worksheet"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
WIDTHS = (12, 8, 10, 20, 18, 8, 36, 22)  # 日期 … 文号: wide enough for the usual Chinese values

_ROOT = re.compile(rb"<(?:[\w.-]+:)?workbook(?=[\s>])[^>]*>")
_SHEETS_END = re.compile(rb"</((?:[\w.-]+:)?)sheets\s*>")
_RELS_END = re.compile(rb"</((?:[\w.-]+:)?)Relationships\s*>")
_TYPES_END = re.compile(rb"</((?:[\w.-]+:)?)Types\s*>")


def _row(number: int, values: list[object]) -> str:
    cells = "".join(_cell(f"{get_column_letter(c)}{number}", v, None, "") for c, v in enumerate(values, start=1))
    return f'<row r="{number}">{cells}</row>'


def new_sheet_xml(entries: pd.DataFrame) -> bytes:
    """A 状态变更记录 sheet of its own: the header frozen, the entries below, readable widths."""
    rows = [_row(1, [header for _, header in CHANGE_FIELDS])]
    for n, entry in enumerate(entries.to_dict("records"), start=2):
        rows.append(_row(n, [entry.get(key) for key, _ in CHANGE_FIELDS]))
    last = len(entries) + 1
    cols = "".join(f'<col min="{n}" max="{n}" width="{w}" customWidth="1"/>' for n, w in enumerate(WIDTHS, start=1))
    view = '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN}"><dimension ref="A1:{get_column_letter(len(CHANGE_FIELDS))}{last}"/>'
        f'<sheetViews><sheetView workbookViewId="0">{view}</sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>{"".join(rows)}</sheetData>'
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
    ).encode()


def _insert_before(data: bytes, end: re.Pattern[bytes], make: str, what: str) -> bytes:
    """`make` (with {p} for the closing tag's namespace prefix) put just before that closing tag."""
    found = list(end.finditer(data))
    if len(found) != 1:
        raise RegisterError(f"{what} 的 XML 写法特殊，未改动名录 / {what} is written in a way greencomm cannot edit")
    prefix = found[0][1].decode("ascii")
    return data[: found[0].start()] + make.format(p=prefix).encode("utf-8") + data[found[0].start() :]


def _workbook_part(archive: zipfile.ZipFile) -> str:
    for rel in SafeTree.fromstring(archive.read("_rels/.rels")):
        if rel.get("Type", "").endswith("/officeDocument"):
            return rel.get("Target", "").lstrip("/")
    raise KeyError("officeDocument")


def _added_sheet(register: Path, entries: pd.DataFrame) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """(changed parts, new parts) that give the register a 状态变更记录 sheet holding `entries`."""
    with zipfile.ZipFile(register) as archive:
        names = set(archive.namelist())
        book_part = _workbook_part(archive)
        folder, name = posixpath.split(book_part)
        rels_part = posixpath.join(folder, "_rels", name + ".rels")
        book, rels, types = archive.read(book_part), archive.read(rels_part), archive.read("[Content_Types].xml")
    number = next(n for n in range(1, 10_000) if posixpath.join(folder, f"worksheets/sheet{n}.xml") not in names)
    target = f"worksheets/sheet{number}.xml"
    ids = {rel.get("Id") for rel in SafeTree.fromstring(rels)}
    rel_id = next(f"rId{n}" for n in range(1, 10_000) if f"rId{n}" not in ids)
    sheet_ids = [int(s.get("sheetId", "0")) for s in SafeTree.fromstring(book).iter(f"{{{MAIN}}}sheet")]
    sheet_id = max(sheet_ids, default=0) + 1
    root = _ROOT.search(book)  # the prefix of the relationships namespace, if the root declares one
    declared = re.search(
        rb'xmlns:([\w.-]+)\s*=\s*["\']' + re.escape(REL.encode()) + rb'["\']', root[0] if root else b""
    )
    r = declared[1].decode("ascii") if declared else "r"
    local = "" if declared else f' xmlns:r="{REL}"'
    sheet = f'<{{p}}sheet name="{CHANGES_SHEET}" sheetId="{sheet_id}"{local} {r}:id="{rel_id}"/>'
    relation = f'<{{p}}Relationship Id="{rel_id}" Type="{WORKSHEET_REL}" Target="{target}"/>'
    override = f'<{{p}}Override PartName="/{posixpath.join(folder, target)}" ContentType="{WORKSHEET_TYPE}"/>'
    changed = {
        book_part: _insert_before(book, _SHEETS_END, sheet, book_part),
        rels_part: _insert_before(rels, _RELS_END, relation, rels_part),
        "[Content_Types].xml": _insert_before(types, _TYPES_END, override, "[Content_Types].xml"),
    }
    return changed, {posixpath.join(folder, target): new_sheet_xml(entries)}


def _parts(register: Path, entries: pd.DataFrame, read: Part) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The register's parts that change and those added, every refusal a RegisterError."""
    sheet = find_sheet(read_workbook(register).sheet_names, CHANGES_SHEET)
    if sheet is not None and (register.name, sheet) in read.places:
        return _edits(register, sheet, read.places[(register.name, sheet)], entries, CHANGE_FIELDS), {}
    if sheet is not None:  # a sheet by that name whose table was not found: the register's errors say why
        raise RegisterError(f"{register}: 无法读取工作表“{sheet}”，名录未改动 / the sheet “{sheet}” cannot be read")
    try:
        return _added_sheet(register, entries)
    except UNSAFE as exc:
        raise RegisterError(f"{register}: 名录含有不安全的 XML，未改动 / the register holds unsafe XML") from exc
    except UNREADABLE as exc:
        raise RegisterError(f"{register}: 名录文件已损坏，未改动（{exc}）/ the register is damaged") from exc


def append_changes(register: Path, entries: pd.DataFrame, read: Part, now: dt.datetime | None = None) -> Path:
    """Append `entries` (状态变更记录 columns) to the register `read` is; returns the backup of the
    register as it was. Every refusal comes before the backup is written."""
    _refuse_unchangeable(register)
    changed, added = _parts(register, entries, read)
    backup = _backup(register, now)
    try:
        atomic_write(register, lambda handle: copy_zip(register, changed, handle, added))
    except UNREADABLE as exc:  # a part that cannot be copied: atomic_write left the register as it was
        raise RegisterError(f"{register}: 名录文件已损坏，未改动（{exc}）/ the register is damaged") from exc
    return backup
