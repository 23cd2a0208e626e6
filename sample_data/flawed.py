"""Small district workbooks with planted data errors, and flawed/planted.json listing every one.

Each plant is (row, column key, value written, problem code); the cell of the error is where
that value lands. Every other cell of these workbooks is valid, so planted.json is exactly the set
of errors greencomm should report.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

from layout import Raw, save, write_table
from openpyxl import Workbook
from pools import STYLES, Names

from greencomm.programme import Programme, load_programme
from greencomm.programme.layouts import SUBMISSION_SHEET, submission_columns

PASS_TITLE, DEMO_TITLE = load_programme(year=2026).targets  # the default programme's two titles

MERGED = object()  # the plant is a merge of the cell with the one below it

# district: (rows, column left out, plants). A workbook that lacks a column holds no other error.
PLANS: dict[str, tuple[int, str | None, list[tuple[int, str, object, str]]]] = {
    "芙蓉区": (
        8,
        None,
        [
            (0, "occupancy", "120%", "percent-out-of-range"),
            (1, "C1", "高", "not-a-percent"),
            (2, "households", "1260.5", "not-an-integer"),
            (3, "A4", "也许", "invalid-yes-no"),
            (4, "community_type", "别墅区", "invalid-choice"),
            (6, "A3", "良好", "not-a-number"),
            (7, "B1", 150, "percent-out-of-range"),
        ],
    ),
    "天心区": (
        7,
        None,
        [
            (0, "district_title_year", "二〇二一", "invalid-year"),
            (1, "fill_date", "九月底", "invalid-date"),
            (2, "phone", "12345", "invalid-phone"),
            (3, "households", None, "missing-value"),
            (4, "community", None, "missing-value"),
            (5, "district_title_year", "21年", "invalid-year"),
        ],
    ),
    "岳麓区": (
        8,
        None,
        [
            (1, "complaints_closed", 5, "closed-exceeds-total"),
            (2, "city_title_year", None, "city-title-year-missing"),
            (3, "city_title_year", 2030, "year-in-future"),
            (4, "E3", "population+37", "ratio-exceeds-base"),
            (5, "A2", 4, "number-out-of-range"),
            (6, "D2", -1, "negative-number"),
            (7, "community", "duplicate of row 0", "duplicate-community"),
        ],
    ),
    "开福区": (
        5,
        "population",
        [],  # greencomm reads no further in a sheet that lacks a required column
    ),
    "雨花区": (  # cells that hold no value a person meant
        6,
        None,
        [
            (0, "households", "#DIV/0!", "excel-error"),
            (1, "population", "=3100*3", "formula-not-calculated"),  # never calculated: written by a program
            (2, "street", "长街" * 300, "text-too-long"),
            (3, "district", MERGED, "merged-cells"),  # merged with the cell below
            (5, "contact", "#N/A", "excel-error"),  # a lookup that found nothing
        ],
    ),
}


def write_flawed(
    rng: random.Random, names: Names, programme: Programme, folder: Path, make_row: Callable[..., dict]
) -> list[dict]:
    planted: list[dict] = []
    all_columns = submission_columns(programme)
    for district, (count, dropped, plants) in PLANS.items():
        style = STYLES[district]
        rows = [
            make_row(rng, names, programme, district, DEMO_TITLE if i % 3 == 0 else PASS_TITLE, "")
            for i in range(count)
        ]
        for i, row in enumerate(rows, start=1):
            row["seq"] = i
        for i, key, value, _ in plants:
            row = rows[i]
            if key == "households" and value is not None:
                row["E4"] = min(row["E4"], 100)  # stays below any reading of the bad 户数
            if key == "complaints_closed":
                row["complaints"] = 3
            elif key == "city_title_year":
                row["city_title"] = PASS_TITLE
            elif key == "E3":
                value = row["population"] + 37
            elif key == "community" and value:
                row["district"], row["street"] = rows[0]["district"], rows[0]["street"]
                value = f"\u3000{rows[0]['community']}"  # the same community, typed again
            if value is MERGED:
                continue
            row[key] = value if value is None else Raw(value)
        columns = [c for c in all_columns if (c.required or style[c.key]) and c.key != dropped]
        wb = Workbook()
        ws = wb.active
        ws.title = SUBMISSION_SHEET
        title = f"{programme.year}年{district}节能环保社区申报汇总表" if style["title"] else None
        notes = "填表说明：请按模板填写，百分比可填85%。" if style["notes"] else None
        places = write_table(ws, rng, columns, rows, style, title, notes)
        for i, key, value, _ in plants:
            if value is MERGED:
                ws.merge_cells(f"{places[(i, key)]}:{places[(i + 1, key)]}")
        name = f"{programme.year}年{district}节能环保社区申报汇总表.xlsx"
        save(wb, folder / name, programme.year)
        if dropped:
            planted.append({"file": name, "sheet": SUBMISSION_SHEET, "cell": "", "code": "missing-column"})
        planted += [
            {"file": name, "sheet": SUBMISSION_SHEET, "cell": places[(i, key)], "code": code}
            for i, key, _, code in plants
        ]
    (folder / "planted.json").write_text(json.dumps(planted, ensure_ascii=False, indent=1) + "\n", "utf-8")
    return planted
