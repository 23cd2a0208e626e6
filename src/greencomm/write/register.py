"""The register of titles (历年命名名录): once a year's titles are final they are appended, with a
backup of the register as it was; nothing is ever lost from it, and a year is never added twice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from greencomm.errors import GreencommError
from greencomm.judge.results import Results
from greencomm.judge.shortlist import DEMONSTRATION, PASSED, PENDING
from greencomm.programme.layouts import DEMO_TITLE, PASS_TITLE, REGISTER_COLUMNS, REGISTER_SHEET
from greencomm.read.guard import LOAD_MAX_MB, sheets_megabytes
from greencomm.read.inputs import read_register, register_sheet
from greencomm.read.tables import locate_table
from greencomm.read.workbook import read_workbook
from greencomm.write.atomic import write_bytes
from greencomm.write.xlsx import fit_columns, set_value, style_header, to_bytes

VALID = "有效"


class RegisterError(GreencommError):
    """The titles cannot be added to the register as asked."""


def final_titles(results: Results) -> pd.DataFrame:
    """年度, 所属区, 社区名称, 称号 of the year's confirmed titles, 示范社区 first, in rank order."""
    if not results.reviewed:
        raise RegisterError(
            "现场评审前的名单不是最终结果，请加上 --reviews 后再写入名录 / titles are final only after review"
        )
    if results.has_errors:
        raise RegisterError("输入数据仍有错误，请先改正（greencomm validate）/ the inputs still have errors")
    ordered = results.ordered()
    pending = ordered[ordered.status == PENDING]
    if len(pending):
        names = "、".join(f"{d}{c}" for d, c in zip(pending.district, pending.community, strict=True))
        raise RegisterError(
            f"仍有待审定的社区（{names}），请领导小组审定、调整设置后再写入名录 / 待审定 ties must be decided first"
        )
    titled = ordered[ordered.status.isin([DEMONSTRATION, PASSED])]
    return pd.DataFrame(
        {
            "year": results.programme.year,
            "district": titled.district,
            "community": titled.community,
            "title": titled.status.map({DEMONSTRATION: DEMO_TITLE, PASSED: PASS_TITLE}),
            "state": VALID,
        }
    )


def _new_register() -> tuple[Workbook, Worksheet, dict[str, int]]:
    book = Workbook()
    sheet: Worksheet = book.create_sheet(REGISTER_SHEET)
    del book[book.sheetnames[0]]
    sheet.append([c.header for c in REGISTER_COLUMNS])
    style_header(sheet, 1)
    return book, sheet, {c.key: n for n, c in enumerate(REGISTER_COLUMNS)}


def add_titles(results: Results, register: Path, now: dt.datetime | None = None) -> tuple[int, Path | None]:
    """Append the final titles; returns how many, and the backup of the register as it was."""
    titles = final_titles(results)
    year = results.programme.year
    backup = None
    sheet: Worksheet
    if register.exists():
        loaded = read_register(register, results.programme)
        errors = [p for p in loaded.problems if p.is_error]
        if errors:
            raise RegisterError(
                f"{register}: 名录本身有错误，请先改正 / the register has errors: {errors[0].message()}"
            )
        if (loaded.frame.year == year).any():
            raise RegisterError(
                f"{register}: 名录中已有 {year} 年的称号，不能重复写入 / {year} is already in the register"
            )
        grid = read_workbook(register)
        found = register_sheet(grid)
        assert found is not None  # read_register found it
        table, _ = locate_table(grid.sheet(found), register.name, REGISTER_COLUMNS, ("community",))
        assert table is not None
        if sheets_megabytes(register) > LOAD_MAX_MB:
            raise RegisterError(
                f"{register}: 名录文件过大（工作表超过 {LOAD_MAX_MB} MB），无法安全更新；请删除多余的工作表后重试"
                f" / the register is too large to update safely"
            )
        book = openpyxl.load_workbook(register)
        sheet = book[found]
        columns = table.columns
        stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
        backup = register.with_name(f"{register.stem}.备份-{stamp}{register.suffix}")
        write_bytes(backup, register.read_bytes())
        first = int(table.rows.max()) + 1 if table.height else table.header_row + 1
    else:
        book, sheet, columns = _new_register()
        first = 2
    for n, row in enumerate(titles.itertuples(index=False)):
        for col in REGISTER_COLUMNS:
            if col.key in columns:
                set_value(sheet.cell(first + n, columns[col.key] + 1), getattr(row, col.key))
    fit_columns(sheet)
    write_bytes(register, to_bytes(book))
    return len(titles), backup
