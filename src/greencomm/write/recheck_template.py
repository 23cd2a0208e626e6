"""The re-check workbook to fill in (复查表, docs/rules.md#re-check): the district template's
申报汇总表, pre-filled from the register with one row per community whose latest title is still held
(有效 or 整改) — 所属区, 社区名称 and 申报类别 = that title — in the programme's district order; the
indicator columns are left blank for the community's current figures. The drop-downs, formats,
创建活动 and 填报说明 are the template's own (greencomm.write.blank_workbook)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from greencomm.programme import Programme
from greencomm.programme.layouts import SUBMISSION_SHEET, recheck_columns, submission_columns
from greencomm.write.blank_workbook import HEADER_ROW, build_template
from greencomm.write.documents import in_district_order

FILLED = ("seq", "district", "community", "target")  # the columns the register fills in


def recheck_notes(programme: Programme, count: int) -> str:
    """The sheet's second row: what to fill in, and which columns the re-check does not read."""
    unread = [c.header for c in recheck_columns(programme) if not c.required and c.key not in FILLED]
    return (
        f"复查说明：以下{count}个社区为历年命名且称号仍有效或正在整改的社区（申报类别即所获称号）。请按现行考评标准"
        f"填写各考评指标和一票否决事项的现状；所属区和社区名称请勿修改。{'、'.join(unread[:3])}等复查不读取的列可不填"
        "（复查不再审查申报资格）。"
    )


def build_recheck_template(programme: Programme, held: pd.DataFrame, templates_dir: Path | None = None) -> Workbook:
    """The template with `held` (judge.recheck.latest_held: year, district, community, title) filled in."""
    book = build_template(programme, templates_dir)
    sheet = book[SUBMISSION_SHEET]
    ordered = in_district_order(held, programme.settings.districts)
    where = {c.key: n for n, c in enumerate(submission_columns(programme), start=1)}
    for n, row in enumerate(ordered.to_dict("records"), start=1):
        values: dict[str, int | str] = {"seq": n, "district": str(row["district"]), "community": str(row["community"]),
                                       "target": str(row["title"])}  # fmt: skip
        for key in FILLED:
            sheet.cell(HEADER_ROW + n, where[key], values[key])
    title = f"{programme.year}年{programme.settings.city}{programme.title}复查表"
    sheet.cell(1, 1, title).font = Font(bold=True, size=16)
    notes = sheet.cell(2, 1, recheck_notes(programme, len(ordered)))
    notes.font, notes.alignment = Font(color="C00000"), Alignment(wrap_text=True, vertical="top")
    book.properties.title = title
    return book
