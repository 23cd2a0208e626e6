"""The blank district workbook (申报汇总表, docs/rules.md#district-workbook) the city's creation office
mails to the districts in March.

Built from the programme (settings + rubric), so an edited rubric changes the template's columns,
dropdowns and instructions together with the validation and the scoring. Nothing here writes a
file: `build_template` returns an openpyxl Workbook and the CLI saves it atomically.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from greencomm.programme import Programme
from greencomm.programme.layouts import (
    ACTIVITY_SHEET,
    INSTRUCTIONS_SHEET,
    SUBMISSION_SHEET,
    Column,
    activity_columns,
    column_for_header,
    submission_columns,
)
from greencomm.programme.rubric import Item, fmt
from greencomm.read.values import EXCEL_EPOCH
from greencomm.write.jinja import chinese_date, render_text
from greencomm.write.text_width import display_width, wrapped_lines

INSTRUCTIONS_TEMPLATE = "instructions.md.j2"
HEADER_ROW = 3  # 申报汇总表: title, notes, then the header
DATA_ROWS = 200  # pre-formatted rows: more communities than any district recommends in a year
FIRST_YEAR = 1990  # earliest title year accepted: catches 2-digit years, older than any district title
PRINT_PAGES_WIDE = 3
YES_NO = ("是", "否")
HAVE_NONE = ("有", "无")  # V2/V4 ask whether something happened: 有/无 is what districts write
LIST_LIMIT = 255  # Excel refuses an inline dropdown list longer than this

NUMBER_FORMATS = {
    # Districts type 85%, 85 or 0.85. In a `0.0%` cell 85% is stored as 0.85; a typed 85 as 0.85
    # when Excel's automatic percent entry is on (the default) or as 85 (shown 8500.0%) when it is
    # off; 0.85 stays 0.85. The reader takes [0, 1] as a fraction and (1, 100] as a percentage, so
    # all of them read back as 85%: the format can make the display odd, never the value wrong. A
    # literal `0.0"%"` would show a typed 85% as "0.9%", which misleads the person filling it in.
    "percent": "0.0%",
    "date": "yyyy-mm-dd",
    "phone": "@",  # text, so a landline's leading 0 and an 11-digit mobile stay as typed
    "text": "@",  # names like 1-2栋 must not become dates
    "year": "0",
    "integer": "0",
}

THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="E2EFDA")  # light green, the programme's colour
HEADER_FONT = Font(bold=True)
WRAP_CENTER = Alignment(wrap_text=True, horizontal="center", vertical="center")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
CENTRE_TOP = Alignment(horizontal="center", vertical="top")
LINE_HEIGHT = 15  # points per text line at the default 11pt font
# 填报说明 prints on A4 portrait, one page wide, at most two pages long: its columns share about
# 92 units (the page between 1.3 cm margins at 100%); Excel and LibreOffice shrink the rest to fit.
INSTRUCTION_UNITS = 92.0
INSTRUCTION_PAGES = 2
MIN_WIDTH = 6.0
NARROW_COLUMN = 8.0  # ids and numbers: never narrowed
SCREEN_WIDTH = 150  # character widths visible on a laptop screen: title and notes stay in view


# ---------------------------------------------------------------- data sheets
def _options(column: Column, programme: Programme) -> tuple[str, ...]:
    if column.key == "district":
        return tuple(programme.settings.districts)
    if column.type == "yesno":
        return column.words
    return column.choices


def _serial(day: dt.date) -> str:
    return str((day - EXCEL_EPOCH).days)


Kind = Literal["list", "whole", "decimal", "date"]
Operator = Literal["between", "greaterThan", "greaterThanOrEqual"]
Check = tuple[Kind, Operator, str, str | None, str]


def _check(column: Column, programme: Programme) -> Check | None:
    """What Excel checks in a column's cells: (type, operator, formula1, formula2, error message)."""
    year, options = programme.year, _options(column, programme)
    if options:
        listed = '"' + ",".join(options) + '"'
        return "list", "between", listed, None, f"请从下拉列表中选择：{'、'.join(options)}"
    if column.type == "percent":  # 85% is stored as 0.85, a typed 85 as 85 or 0.85: all in 0..100
        return "decimal", "between", "0", "100", "请填写0–100之间的百分比，如 85%、85 或 0.85"
    if column.type == "year":
        return "whole", "between", str(FIRST_YEAR), str(year), f"请填写{FIRST_YEAR}–{year}之间的四位年份"
    if column.type == "date":
        first, last = _serial(dt.date(year, 1, 1)), _serial(dt.date(year, 12, 31))
        return "date", "between", first, last, f"请填写{year}年内的日期，如 {year}-09-15"
    if column.type not in ("integer", "number"):
        return None
    kind: Literal["whole", "decimal"] = "whole" if column.type == "integer" else "decimal"
    noun, low = ("整数" if kind == "whole" else "数字"), fmt(column.minimum or 0)
    if column.maximum is not None:  # the 自评分 of review items: 0..max
        high = fmt(column.maximum)
        return kind, "between", low, high, f"请填写{low}–{high}之间的{noun}"
    if column.above is not None:
        return kind, "greaterThan", fmt(column.above), None, f"请填写大于{fmt(column.above)}的{noun}"
    return kind, "greaterThanOrEqual", low, None, f"请填写不小于{low}的{noun}"


def _validation(column: Column, programme: Programme) -> DataValidation | None:
    check = _check(column, programme)
    if check is None or len(check[2]) > LIST_LIMIT:  # Excel rejects the whole file for a longer list
        return None
    kind, operator, formula1, formula2, error = check
    dv = DataValidation(kind, formula1, formula2, allowBlank=True, operator=None if kind == "list" else operator)
    dv.showErrorMessage = dv.showInputMessage = True
    dv.errorTitle, dv.error = "输入有误", error
    dv.promptTitle = column.header[:32]  # Excel's limits: 32 for titles, 255 for messages
    dv.prompt = (column.help or error)[:255]
    # Q1: a district outside the programme is scored and marked not eligible, so it is not refused;
    # a late 填报日期 is a warning in validate, so it is only a warning here too
    if column.key == "district" or kind == "date":
        dv.errorStyle = "warning"
    return dv


def _width(column: Column, options: Sequence[str]) -> float:
    """Wide enough for the values and a few header characters; long headers wrap."""
    minimum = {"date": 12, "phone": 15, "text": 14}.get(column.type, 8)
    values = max((display_width(o) for o in options), default=0) + 3  # room for the dropdown arrow
    return float(min(max(minimum, values, min(display_width(column.header), 18)), 24) + 2)


def _lines(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column of this width (openpyxl cannot measure it, and Excel
    does not re-fit row heights a file sets, so heights are estimated here)."""
    return wrapped_lines(text, width)


def _fit_height(ws: Worksheet, row: int, texts: dict[int, str], minimum: int = 1) -> None:
    lines = minimum
    for col, text in texts.items():
        lines = max(lines, _lines(text, ws.column_dimensions[get_column_letter(col)].width or 8.43))
    ws.row_dimensions[row].height = lines * LINE_HEIGHT + 4


def _write_table(ws: Worksheet, columns: Sequence[Column], header_row: int, programme: Programme) -> None:
    """Header, formats and validations of one data sheet; the header stays frozen and filterable."""
    first, last = header_row + 1, header_row + DATA_ROWS
    for c, column in enumerate(columns, start=1):
        letter = get_column_letter(c)
        options = _options(column, programme)
        ws.column_dimensions[letter].width = _width(column, options)
        cell = ws.cell(header_row, c, column.header)
        cell.font, cell.fill, cell.border, cell.alignment = HEADER_FONT, HEADER_FILL, BORDER, WRAP_CENTER
        number_format = NUMBER_FORMATS.get(column.type)
        for r in range(first, last + 1):
            data = ws.cell(r, c)
            data.border = BORDER
            if number_format:
                data.number_format = number_format
        dv = _validation(column, programme)
        if dv is not None:
            dv.add(f"{letter}{first}:{letter}{last}")
            ws.add_data_validation(dv)
    _fit_height(ws, header_row, {c: col.header for c, col in enumerate(columns, start=1)}, minimum=2)
    end = get_column_letter(len(columns))
    ws.auto_filter.ref = f"A{header_row}:{end}{last}"
    keep = next((c for c, col in enumerate(columns, start=1) if col.key == "community"), 0)
    ws.freeze_panes = f"{get_column_letter(keep + 1)}{first}"  # rows below the header, names kept in view
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A3
    # 50 columns on one sheet of paper are unreadable (looked at as PDF): three A3 pages wide, readable.
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = PRINT_PAGES_WIDE, 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = f"1:{header_row}"


def _merged_row(ws: Worksheet, row: int, last_col: int, text: str, font: Font, align: Alignment) -> None:
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_col)
    cell = ws.cell(row, 1, text)
    cell.font, cell.alignment = font, align


def _notes(programme: Programme) -> str:
    s = programme.settings
    return (
        f"填写说明：每个社区填一行，从第{HEADER_ROW + 1}行起填写，请勿修改表头。百分比可填 85%、85 或 0.85；"
        f"是/否、有/无及各选项请从下拉列表选择；年份填四位数字；联系电话填手机号或带区号的固定电话。"
        f"请于{chinese_date(s.submission_deadline)}前报送{s.contact.office}。"
        f"详见“{INSTRUCTIONS_SHEET}”工作表。"
    )


def _submission_sheet(ws: Worksheet, programme: Programme) -> None:
    columns = submission_columns(programme)
    s = programme.settings
    title = f"{programme.year}年{s.city}××区{programme.title}申报汇总表"  # the district writes its name
    _write_table(ws, columns, HEADER_ROW, programme)
    widths = [ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(1, len(columns) + 1)]
    span = max(1, sum(1 for n in range(len(widths)) if sum(widths[: n + 1]) <= SCREEN_WIDTH))
    _merged_row(ws, 1, span, title, Font(bold=True, size=16), Alignment(horizontal="center"))
    _merged_row(ws, 2, span, _notes(programme), Font(color="C00000"), WRAP_TOP)
    ws.row_dimensions[1].height = 28
    ws.row_dimensions[2].height = (_lines(_notes(programme), sum(widths[:span])) + 1) * LINE_HEIGHT


# ---------------------------------------------------------------- instructions
def _context(programme: Programme) -> dict[str, Any]:
    """Plain data for the instructions template: strings and lists, no programme objects."""
    s, rubric, levels = programme.settings, programme.rubric, programme.levels
    columns = submission_columns(programme)
    by_type = {t: [c.header for c in columns if c.type == t] for t in dict.fromkeys(c.type for c in columns)}
    return {
        "city": s.city,
        "year": programme.year,
        "programme": {"title": programme.title, "demonstration_title": programme.demonstration_title},
        "deadline": chinese_date(s.submission_deadline),
        "districts": list(s.districts),
        "contact": programme.contact,
        "sheets": {"submission": SUBMISSION_SHEET, "activity": ACTIVITY_SHEET},
        "activity_headers": [c.header for c in activity_columns(programme)],
        "activity_types": [{"name": a.name, "unit": a.unit} for a in s.activity_types],
        "by_type": by_type,
        "have_none": [c.header for c in columns if c.type == "yesno" and c.words == HAVE_NONE],
        "rubric": {"title": programme.rubric_title, "total": fmt(rubric.total)},
        "categories": [
            {
                "id": c.id,
                "name": c.name,
                "max": fmt(c.max),
                "items": [_item(i) for i in rubric.items_of(c.id)],
            }
            for c in rubric.categories
        ],
        "review_items": [i.id for i in rubric.review_items],
        "vetoes": [{"id": v.id, "name": v.name, "field": _header_of(columns, v.field)} for v in rubric.vetoes],
        "eligibility": [{"code": e.code, "name": e.name, "rule": e.rule} for e in rubric.eligibility.values()],
        "levels": {
            "pass_total": fmt(levels.pass_total),
            "demonstration_total": fmt(levels.demonstration_total),
            "category_share": f"{fmt(levels.category_share * 100)}%",
        },
        "quotas": s.quotas.model_dump(),
    }


def _item(i: Item) -> dict[str, str]:
    return {"id": i.id, "name": i.name, "max": fmt(i.max), "column": i.column, "rule": i.rule_text()}


def _header_of(columns: tuple[Column, ...], field: str) -> str:
    """A rubric reference (`E6`) as the district sees it (`E6 居民满意率(%)`)."""
    column = column_for_header(columns, field)
    return column.header if column else field


def render_instructions(programme: Programme, templates_dir: Path | None = None) -> str:
    """The instructions text (plain text into cells, so no escaping)."""
    return render_text(INSTRUCTIONS_TEMPLATE, _context(programme), templates_dir)


_RULE_LINE = re.compile(r"^\|?(\s*:?-{3,}:?\s*\|)*\s*:?-{3,}:?\s*\|?$")  # Markdown table separator
_NUMBER = re.compile(r"^\d+(\.\d+)?$")


def _cell_value(text: str) -> tuple[str | int | float, bool]:
    """A table cell's value and whether it is **bold**; numbers become numbers (满分 adds up)."""
    bold = text.startswith("**") and text.endswith("**") and len(text) > 4
    text = text[2:-2].strip() if bold else text
    if _NUMBER.match(text):
        return (float(text) if "." in text else int(text)), bold
    return text, bold


def _instructions_sheet(ws: Worksheet, text: str) -> None:
    """Markdown-ish lines into rows: `# ` titles in bold, `| a | b |` rows into cells (the row above
    a `|---|` line is a table header), anything else one wrapped line across the table's width."""
    lines = text.splitlines()
    rows = [[c.strip() for c in ln.strip().strip("|").split("|")] for ln in lines if ln.startswith("|")]
    span = max((len(cells) for cells in rows), default=1)
    natural = [MIN_WIDTH] * span
    for cells in rows:
        for c, cell_text in enumerate(cells):
            natural[c] = max(natural[c], display_width(cell_text) + 2)
    widths = _shared(natural, INSTRUCTION_UNITS) if rows else [INSTRUCTION_UNITS]
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    row = 0
    for line in lines:
        if row and line.strip() and _RULE_LINE.match(line.strip()):
            for c in range(1, span + 1):
                header = ws.cell(row, c)
                header.font, header.fill, header.alignment = HEADER_FONT, HEADER_FILL, WRAP_CENTER
            continue
        row += 1
        if line.startswith("|"):
            texts = {}
            for c, raw in enumerate(line.strip().strip("|").split("|"), start=1):
                value, bold = _cell_value(raw.strip())
                cell = ws.cell(row, c, value)
                # a number centred: right-aligned it runs into the text of the next column ("3B1 …")
                align = CENTRE_TOP if isinstance(value, int | float) else WRAP_TOP
                cell.border, cell.alignment, cell.font = BORDER, align, Font(bold=bold)
                texts[c] = str(value)
            _fit_height(ws, row, texts)
            continue
        heading = re.match(r"^(#+)\s+(.*)$", line)
        content = heading.group(2) if heading else line
        if not content:
            ws.row_dimensions[row].height = LINE_HEIGHT / 2  # a blank line is a gap, not a whole line
            continue
        if span > 1:  # text lines read across the table's width
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=span)
        cell = ws.cell(row, 1, content)
        cell.alignment = WRAP_TOP
        size = 11
        if heading:
            size = 14 if len(heading.group(1)) == 1 else 12
            cell.font = Font(bold=True, size=size)
        # a larger font takes more room per line and per character: measured in 11 pt lines
        ws.row_dimensions[row].height = _lines(content, sum(widths) * 11 / size) * LINE_HEIGHT * size / 11 + 4
    _print_portrait(ws)


def _shared(natural: list[float], total: float) -> list[float]:
    """Column widths that add up to `total`: narrow columns (ids, numbers) as they are, the others
    narrowed in proportion, so each wraps to about as many lines as the others in its row."""
    if sum(natural) <= total:
        return natural
    room = total - sum(w for w in natural if w <= NARROW_COLUMN)
    wrapping = sum(w for w in natural if w > NARROW_COLUMN)
    share = max(room, 0) / wrapping  # too many columns for the page: each as narrow as it may be, the page shrinks
    return [w if w <= NARROW_COLUMN else max(NARROW_COLUMN, w * share) for w in natural]


def _print_portrait(ws: Worksheet) -> None:
    """A4 portrait, one page wide and at most two long, the page number at the foot."""
    ws.page_setup.orientation = ws.ORIENTATION_PORTRAIT
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, INSTRUCTION_PAGES
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    footer = ws.oddFooter
    if footer is not None:  # a new sheet always has one; the type allows none
        footer.center.text = "&A　第 &P 页，共 &N 页"


# ---------------------------------------------------------------- the workbook
def build_template(programme: Programme, templates_dir: Path | None = None) -> Workbook:
    """The blank 申报汇总表 workbook of the programme year: data sheet, activities, instructions."""
    book = Workbook()
    submissions = book.active
    assert submissions is not None  # a new Workbook always has one sheet
    submissions.title = SUBMISSION_SHEET
    _submission_sheet(submissions, programme)
    activities = book.create_sheet(ACTIVITY_SHEET)
    _write_table(activities, activity_columns(programme), 1, programme)
    instructions = book.create_sheet(INSTRUCTIONS_SHEET)
    _instructions_sheet(instructions, render_instructions(programme, templates_dir))
    book.active = 0
    book.properties.title = f"{programme.year}年{programme.settings.city}{programme.title}申报汇总表"
    book.properties.creator = "greencomm"
    book.properties.subject = programme.rubric_title
    return book
