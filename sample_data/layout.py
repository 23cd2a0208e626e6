"""Writing rows the way district clerks do: header variants and messy-but-valid values.

Every header variant is checked against `Column.accepted`, so a header this module writes is one
greencomm is bound to recognise.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from greencomm.programme.headers import header_base
from greencomm.programme.layouts import Column

UNITS = {"households": "户数(户)", "population": "常住人口(人)", "complaints": "环境投诉件数(件)"}
LABEL_KEYS = {"street", "community", "contact", "district"}


@dataclass(frozen=True)
class Raw:
    """A value written exactly as given (a planted error, or a deliberate form)."""

    value: Any


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def is_item(col: Column) -> bool:
    return bool(col.aliases)


def header_variant(col: Column, mode: str) -> str:
    """The header of `col` as one clerk wrote it; identity columns keep modes that suit them."""
    h = col.header
    rest = h[len(col.key) :].strip() if is_item(col) else h
    if mode == "no_id" and is_item(col):
        h = rest
    elif mode == "id" and is_item(col):
        h = col.key
    elif mode == "id_fw" and is_item(col):
        h = fullwidth(col.key)
    elif mode == "id_lower" and is_item(col):
        h = col.key.lower()
    elif mode == "fw_brackets":
        h = h.replace("(", "（").replace(")", "）")
    elif mode == "linebreak" and len(h) > 4:
        h = f"{col.key}\n{rest}" if is_item(col) else f"{h[:2]}\n{h[2:]}"
    elif mode == "spaces":
        h = f" {col.key}  {rest[:3]} {rest[3:]}" if is_item(col) else f"{h[:2]} {h[2:]} "
    elif mode == "drop_unit":
        h = re.sub(r"\([^()]*\)$", "", h)
    elif mode == "add_unit":
        h = UNITS.get(col.key, h)
    assert header_base(h) in col.accepted, (col.key, mode, h)
    return h


def pad(rng: random.Random, text: str) -> str:
    return rng.choice([f" {text}", f"{text}\u3000", f"\u3000{text} ", f"{text}  "])


def _decimal_text(number: Decimal) -> str:
    return format(number.normalize(), "f")


def render_value(rng: random.Random, col: Column, value: Any, style: dict, yn: tuple) -> tuple[Any, str | None]:
    """(cell value, number format) of one canonical value in the workbook's style."""
    if isinstance(value, Raw):
        return value.value, None
    if value is None:
        return None, None
    kind = col.type
    if kind == "percent":
        pct = Decimal(value)
        form = rng.choice(style["pct"])
        if form == "pct_text":
            return f"{_decimal_text(pct)}%", None
        if form == "fullwidth":
            return fullwidth(f"{_decimal_text(pct)}%"), None
        if form == "fraction_text":
            return _decimal_text(pct / 100), None
        if form in ("fraction", "fraction_fmt"):
            fmt = ("0%" if pct == pct.to_integral_value() else "0.0%") if form == "fraction_fmt" else None
            return float(pct / 100), fmt
        return (int(pct) if pct == pct.to_integral_value() else float(pct)), None
    if kind == "yesno":
        answer = yn[0] if value else yn[1]
        if answer in ("Y", "N") and rng.random() < 0.3:
            answer = answer.lower()
        return answer, None
    if kind == "year":
        form = rng.choice(style["year"])
        if form == "nian":
            return f"{value}年", None
        if form == "fullwidth":
            return fullwidth(str(value)), None
        if form == "date":
            return dt.datetime(value, rng.randint(1, 12), rng.randint(1, 28)), "yyyy-mm-dd"
        return value, None
    if kind == "date":
        form = rng.choice(style["date"])
        if form == "text_dash":
            return value.isoformat(), None
        if form == "text_cn":
            return f"{value.year}年{value.month}月{value.day}日", None
        if form == "text_slash":
            return f"{value.year}/{value.month}/{value.day}", None
        return dt.datetime(value.year, value.month, value.day), "yyyy-mm-dd"
    if kind in ("integer", "number"):
        if col.key == "self_total":
            return float(value), "0.00"
        number = Decimal(str(value))  # a float as the shortest decimal that prints it
        form = rng.choice(style["num"])
        text = str(int(number)) if number == number.to_integral_value() else _decimal_text(number)
        if form == "text":
            return text, None
        if form == "fullwidth":
            return fullwidth(text), None
        if form == "thousands" and number >= 1000:
            return f"{int(number):,}", None
        return (int(number) if number == number.to_integral_value() else float(number)), None
    if kind == "text" and style["pad"] and col.key in LABEL_KEYS and rng.random() < 0.3:
        return pad(rng, value), None
    if kind == "choice" and style["pad"] and rng.random() < 0.1:
        return f"{value} ", None
    return value, None


def write_table(
    ws: Worksheet,
    rng: random.Random,
    columns: list[Column],
    rows: list[dict],
    style: dict,
    title: str | None = None,
    notes: str | None = None,
) -> dict[tuple[int, str], str]:
    """Title, notes, header and rows; returns the A1 address of every (row index, column key)."""
    r = 1
    ncols = len(columns)
    if title:
        ws.cell(r, 1, title).font = Font(bold=True, size=14)
        ws.cell(r, 1).alignment = Alignment(horizontal="center")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
        r += 1
    if notes:
        ws.cell(r, 1, notes)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=min(ncols, 12))
        r += 1
    for j, col in enumerate(columns, start=1):
        cell = ws.cell(r, j, header_variant(col, rng.choice(style["headers"])))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(j)].width = 14 if j > 4 else 12
    yes_no = {col.key: rng.choice(style["yn"]) for col in columns if col.type == "yesno"}
    places = {}
    for i, row in enumerate(rows):
        for j, col in enumerate(columns, start=1):
            value, fmt = render_value(rng, col, row.get(col.key), style, yes_no.get(col.key, ("是", "否")))
            cell = ws.cell(r + 1 + i, j, value)
            if fmt:
                cell.number_format = fmt
            places[(i, col.key)] = f"{get_column_letter(j)}{r + 1 + i}"
    ws.freeze_panes = ws.cell(r + 1, 1)
    return places


def save(wb: Workbook, path: Path, year: int) -> None:
    """Save with fixed timestamps, so that regenerating gives byte-identical files (quiet git diffs)."""
    stamp = dt.datetime(year, 10, 1, 9, 0)
    wb.properties.created = stamp
    buffer = BytesIO()
    wb.save(buffer)
    modified = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*")
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = modified.sub(rb"\g<1>" + stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode(), data)
            info.date_time = stamp.timetuple()[:6]
            dst.writestr(info, data)
