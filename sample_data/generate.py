"""Generate the sample data of greencomm: six district workbooks, five reviewers' sheets, the
register of titles and a folder of workbooks with planted errors.

    python sample_data/generate.py [--out DIR] [--year 2026]

Deterministic: the same year gives the same cell values. Headers come from greencomm.programme.layouts, so
the rubric stays the single source of the columns.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from flawed import write_flawed
from layout import save, write_table
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from pools import ACTIVITIES, STREETS, STYLES, Names

from greencomm.programme import Programme, load_programme
from greencomm.programme.layouts import (
    ACTIVITY_SHEET,
    REGISTER_SHEET,
    REVIEW_SHEET,
    SUBMISSION_SHEET,
    activity_columns,
    column_for_header,
    register_columns,
    review_columns,
    submission_columns,
)

DEFAULT = load_programme(year=2026)  # the sample year is the default programme's: two titles
PASS_TITLE, DEMO_TITLE = DEFAULT.targets

SEED = 20260901
COUNTS = {"芙蓉区": 21, "天心区": 20, "岳麓区": 22, "开福区": 19, "雨花区": 20, "望城区": 18}
DEMO_COUNTS = {"芙蓉区": 7, "天心区": 7, "岳麓区": 8, "开福区": 6, "雨花区": 6, "望城区": 6}
# (district, 申报类别, designed case); see apply_case. Every other row is a plain applicant.
# Q3-demo-1: holds 示范社区 since the year before (blocked); title-pass-3: holds 节能环保社区 since
# three years before (no longer blocked).
CASES = [
    ("芙蓉区", DEMO_TITLE, "V1"),
    ("望城区", PASS_TITLE, "V1"),
    ("天心区", DEMO_TITLE, "V2"),
    ("岳麓区", DEMO_TITLE, "V3"),
    ("雨花区", PASS_TITLE, "V3"),
    ("开福区", PASS_TITLE, "V4"),
    ("望城区", PASS_TITLE, "V5"),
    ("岳麓区", DEMO_TITLE, "Q2-blank"),
    ("开福区", PASS_TITLE, "Q2-later"),
    ("芙蓉区", DEMO_TITLE, "Q3-demo-1"),
    ("天心区", PASS_TITLE, "Q3-demo-2"),
    ("雨花区", PASS_TITLE, "Q3-pass-1"),
    ("岳麓区", DEMO_TITLE, "title-pass-2"),
    ("开福区", DEMO_TITLE, "title-pass-3"),
    ("望城区", DEMO_TITLE, "title-pass-5"),
    ("天心区", DEMO_TITLE, "title-demo-4"),
    ("雨花区", DEMO_TITLE, "Q4"),
    ("芙蓉区", PASS_TITLE, "Q4"),
    ("天心区", DEMO_TITLE, "weak"),
    ("望城区", DEMO_TITLE, "weak"),
    ("岳麓区", DEMO_TITLE, "F-below-60%"),
    ("芙蓉区", DEMO_TITLE, "F-exactly-60%"),
    ("开福区", DEMO_TITLE, "self-eval-inflated"),
    ("雨花区", DEMO_TITLE, "self-eval-inflated"),
    ("开福区", PASS_TITLE, "late"),
    ("开福区", DEMO_TITLE, "late"),
    ("望城区", PASS_TITLE, "late"),
]
Q1_CASE = ("雨花区", "长沙县", PASS_TITLE)  # (workbook, 所属区, 申报类别)
# years before the programme year: (示范社区, 节能环保社区) named that year; revoked titles
REGISTER_SIZES = {6: (6, 6), 5: (8, 8), 4: (10, 9), 3: (12, 10), 2: (14, 10), 1: (15, 10)}
REVOKED = [(5, PASS_TITLE), (3, DEMO_TITLE), (2, PASS_TITLE)]
REVIEWERS = [
    ("张建华", "芙蓉区"),
    ("刘雅琴", "岳麓区"),
    ("陈立新", "雨花区"),
    ("周文斌", "开福区"),
    ("谭海燕", "市直"),
]
TYPES = ["商品房小区"] * 4 + ["老城区社区"] * 3 + ["混合型"] * 2 + ["单位大院", "城中村或农民新村"]


def workbook_name(year: int, district: str) -> str:
    return f"{year}年{district}节能环保社区申报汇总表.xlsx"


# ---------------------------------------------------------------- scoring (as docs/rules.md#scores)
def round2(value: Fraction) -> Fraction:
    return Fraction(math.floor(value * 100 + Fraction(1, 2)), 100)


def score(programme: Programme, row: dict) -> tuple[Fraction, dict[str, Fraction]]:
    """The total and the category subtotals of a row, the self-evaluation standing in."""
    columns = submission_columns(programme)
    cats: dict[str, Fraction] = {c.id: Fraction(0) for c in programme.rubric.categories}
    for item in programme.rubric.items:
        v = row[item.id]
        if item.kind == "bool":
            pts = item.max if v else Fraction(0)
        elif item.kind == "levels":
            pts = item.levels[v]
        elif item.kind == "ramp":
            x = Fraction(v)
            if item.ratio_of:
                x = x * 100 / row[column_for_header(columns, item.ratio_of).key]
            pts = item.max * min(max((x - item.lo) / (item.hi - item.lo), Fraction(0)), Fraction(1))
        elif item.kind == "per_unit":
            pts = min(item.max, item.per * v)
        elif item.kind == "deduct":
            pts = max(Fraction(0), item.max - item.per * v)
        else:
            pts = Fraction(v)
        cats[item.category] += round2(pts)
    return sum(cats.values(), Fraction(0)), cats


def is_strong(programme: Programme, row: dict) -> bool:
    total, cats = score(programme, row)
    share = programme.levels.category_share
    return total >= programme.levels.demonstration_total and all(
        cats[c.id] >= share * c.max for c in programme.rubric.categories
    )


def has_veto(row: dict) -> bool:
    return (
        row["occupancy"] < 60
        or row["penalty"]
        or row["complaints_closed"] < row["complaints"]
        or row["incident"]
        or row["E6"] < 60
    )


# ---------------------------------------------------------------- communities
def clamp(x: float, lo: float = 0.0, hi: float = 1.0) -> float:
    return min(max(x, lo), hi)


def indicators(rng: random.Random, programme: Programme, q: float, row: dict) -> dict:
    """Indicator values of a community of quality q (0 weak … 1 excellent)."""
    out: dict = {}
    for item in programme.rubric.items:
        u = clamp(q + rng.gauss(0, 0.08))
        lo, hi = float(item.lo), float(item.hi)
        if item.kind == "bool":
            out[item.id] = rng.random() < 0.15 + 0.85 * math.sqrt(u)
        elif item.kind == "levels":
            names = sorted(item.levels, key=lambda k: item.levels[k])
            out[item.id] = names[round(clamp(u * (len(names) - 1) + rng.gauss(0, 0.35), 0, len(names) - 1))]
        elif item.kind == "ramp" and item.ratio_of:
            base = row["population"] if item.ratio_of == "常住人口" else row["households"]
            out[item.id] = max(1, round(base * max(0.2, lo + (hi - lo) * (u * 1.2 - 0.1)) / 100))
        elif item.kind == "ramp" and item.input == "percent":
            x = clamp(lo + (hi - lo) * (u * 1.2 - 0.1), max(lo - 15, 5), 100)
            out[item.id] = Decimal(str(round(x, 1) if rng.random() < 0.3 else round(x)))
        elif item.kind == "ramp":
            out[item.id] = max(0, round(lo + (hi - lo) * (u * 1.2 - 0.1)))
        elif item.kind in ("per_unit", "deduct"):
            cap = math.ceil(item.max / item.per)
            good = u if item.kind == "per_unit" else 1 - u
            out[item.id] = round(clamp(good * cap * 1.1 + rng.gauss(0, 0.4), 0, cap + 1))
        else:
            out[item.id] = Decimal(str(round(float(item.max) * clamp(0.35 + 0.65 * u + rng.gauss(0, 0.05)), 1)))
    return out


def fit(
    rng: random.Random,
    programme: Programme,
    row: dict,
    lo: float,
    hi: float,
    strong: bool = False,
    fixed: dict | None = None,
) -> None:
    """Draw indicators until the total lies in [lo, hi] (and, if strong, every category ≥ 60%)."""
    q = clamp((lo + hi) / 200 - 0.05, 0.1, 1.1)
    for _ in range(2000):
        row.update(indicators(rng, programme, q, row), **(fixed or {}))
        total, _ = score(programme, row)
        if total > hi:
            q = clamp(q - 0.02, 0.1, 1.15)
        elif total < lo or (strong and not is_strong(programme, row)):
            q = clamp(q + 0.02, 0.1, 1.15)
        else:
            return
    raise RuntimeError(f"cannot fit {row['community']} into {lo}–{hi}")


def base_row(rng: random.Random, names: Names, year: int, district: str, target: str) -> dict:
    households = rng.randint(380, 4600)
    return {
        "district": district,
        "street": rng.choice(STREETS[district]),
        "community": names.community(district),
        "community_type": rng.choice(TYPES),
        "households": households,
        "population": round(households * rng.uniform(2.4, 3.1)),
        "occupancy": Decimal(rng.randint(78, 99)),
        "target": target,
        "district_title_year": rng.randint(2015, year - 1),
        "city_title": "无",
        "city_title_year": None,
        "penalty": False,
        "complaints": (n := rng.choice([0, 0, 0, 1, 1, 2, 2, 3, 4, 6])),
        "complaints_closed": n,
        "incident": False,
        "recommendation": "同意推荐",
        "contact": names.person(),
        "phone": names.phone(),
        "fill_date": dt.date(year, 8, 1) + dt.timedelta(days=rng.randint(0, 60)),
        "_cases": [],
    }


def make_row(rng: random.Random, names: Names, programme: Programme, district: str, target: str, case: str) -> dict:
    row = base_row(rng, names, programme.year, district, target)
    if case == "weak":
        fit(rng, programme, row, 84, 89.5)
    elif case.startswith("F-"):
        f1 = "3.5" if case == "F-below-60%" else "4.0"
        fixed = {"F1": Decimal(f1), "F2": "区市级"}
        fit(rng, programme, row, 90.3, 100, fixed=fixed, strong=case == "F-exactly-60%")
    elif target == DEMO_TITLE:
        fit(rng, programme, row, 90.5, 98.5, strong=True)
    elif case:  # a designed case scores well, so that the case alone decides
        fit(rng, programme, row, 84, 97)
    else:
        target_total = rng.uniform(60, 98)
        fit(rng, programme, row, target_total - 2, target_total + 2)
    apply_case(rng, programme.year, row, case)
    total, _ = score(programme, row)
    row["self_total"] = Decimal(total.numerator) / total.denominator
    return row


def apply_case(rng: random.Random, year: int, row: dict, case: str) -> None:
    if case:
        row["_cases"].append(case)
    if case == "V1":
        row["occupancy"] = Decimal(rng.choice(["52", "58.5"]))
    elif case == "V2":
        row["penalty"] = True
    elif case == "V3":
        row["complaints"] = rng.randint(4, 7)
        row["complaints_closed"] = row["complaints"] - rng.randint(1, 2)
    elif case == "V4":
        row["incident"] = True
    elif case == "V5":
        row["E6"] = Decimal(55)
    elif case == "Q2-blank":
        row["district_title_year"] = None
    elif case == "Q2-later":
        row["district_title_year"] = year + 1
    elif case.startswith(("Q3-", "title-")):
        prefix, kind, ago = case.split("-")
        row["city_title"] = DEMO_TITLE if kind == "demo" else PASS_TITLE
        row["city_title_year"] = year - int(ago)
        row["district_title_year"] = row["city_title_year"] - rng.randint(1, 3)
        row["_cases"][-1] = f"{prefix}-{kind}-{row['city_title_year']}"
    elif case == "Q4":
        row["recommendation"] = "不同意推荐"
    elif case == "late":
        row["fill_date"] = dt.date(year, 10, rng.randint(8, 12))
    elif case == "self-eval-inflated":
        row.update(A2=Decimal(3), A3=Decimal("2.9"), B3=Decimal(3), F1=Decimal("5.8"))


def build_submissions(rng: random.Random, names: Names, programme: Programme) -> dict[str, list[dict]]:
    books: dict[str, list[dict]] = {}
    for district, count in COUNTS.items():
        slots = [(t, c) for d, t, c in CASES if d == district]
        demos = DEMO_COUNTS[district] - sum(t == DEMO_TITLE for t, _ in slots)
        slots += [(DEMO_TITLE, "")] * demos + [(PASS_TITLE, "")] * (count - len(slots) - demos)
        rng.shuffle(slots)
        books[district] = [make_row(rng, names, programme, district, t, c) for t, c in slots]
    book, district, target = Q1_CASE
    books[book].insert(rng.randrange(len(books[book])), make_row(rng, names, programme, district, target, "Q1"))
    return books


# ---------------------------------------------------------------- writers
def write_submissions(rng: random.Random, programme: Programme, books: dict, out: Path) -> None:
    year, all_columns = programme.year, submission_columns(programme)
    for district, rows in books.items():
        style = STYLES[district]
        for seq, row in enumerate(rows, start=1):
            row["seq"] = seq
            row["_file"] = workbook_name(year, district)
        order = sorted(rows, key=lambda r: r["street"]) if style["sort_by_street"] else rows
        columns = [c for c in all_columns if c.required or style[c.key]]  # 序号, 自评总分 are optional
        wb = Workbook()
        ws = wb.active
        ws.title = SUBMISSION_SHEET
        title = f"{year}年{district}节能环保社区申报汇总表" if style["title"] else None
        notes = "填表说明：百分比可填85%、85或0.85；是否项填是/否；年份填四位数字。" if style["notes"] else None
        write_table(ws, rng, columns, order, style, title, notes)
        if style["activities"]:
            write_activities(rng, wb.create_sheet(ACTIVITY_SHEET), year, style)
        save(wb, out / "submissions" / workbook_name(year, district), year)


def write_activities(rng: random.Random, ws: Worksheet, year: int, style: dict) -> None:
    rows = []
    for _ in range(rng.randint(5, 12)):
        kind = rng.choice(list(ACTIVITIES))
        day = dt.date(year, 3, 1) + dt.timedelta(days=rng.randint(0, 200))  # before the deadline
        rows.append(
            {
                "date": day,
                "type": kind,
                "name": rng.choice(ACTIVITIES[kind]),
                "participants": rng.randint(25, 420),
            }
        )
    rows.sort(key=lambda r: r["date"])
    columns = list(activity_columns(DEFAULT))[:4]  # the sample year has no 数量 column: it lists no posters
    write_table(ws, rng, columns, rows, {**style, "headers": ["canonical"], "pad": False})


def review_scores(rng: random.Random, programme: Programme, row: dict, bias: float) -> dict:
    scores = {}
    for item in programme.rubric.review_items:
        own = float(row[item.id])
        drop = own * 0.4 if "self-eval-inflated" in row["_cases"] else bias + rng.choice([0, 0, 0.1, 0.2, 0.3])
        value = clamp(own - drop + rng.choice([0, 0, 0, 0.1, 0.2]), 0, float(item.max))
        scores[item.id] = round(value, 1)
    return scores


def write_reviews(rng: random.Random, programme: Programme, candidates: list[dict], out: Path) -> None:
    columns = list(review_columns(programme))
    plain = {"headers": ["canonical"], "pad": False, "num": ["int"]}
    for n, (name, home) in enumerate(REVIEWERS, start=1):
        bias = rng.choice([0.0, 0.1, 0.1, 0.2])
        rows = []
        for row in candidates:
            line = {"reviewer": name, "reviewer_district": home, "district": row["district"]}
            line["community"] = row["community"]
            if row["district"] != home:
                line.update(review_scores(rng, programme, row, bias))
            rows.append(line)
        wb = Workbook()
        wb.active.title = REVIEW_SHEET
        write_table(wb.active, rng, columns, rows, plain)
        save(wb, out / "reviews" / f"现场评审评分表_{n:02d}_{name}.xlsx", programme.year)


def write_register(rng: random.Random, names: Names, programme: Programme, books: dict, out: Path) -> list:
    entries = [
        {
            "year": r["city_title_year"],
            "district": r["district"],
            "community": r["community"],
            "title": r["city_title"],
            "state": "有效",
        }
        for rows in books.values()
        for r in rows
        if r["city_title"] != "无"
    ]
    districts = list(programme.settings.districts)
    for ago, sizes in REGISTER_SIZES.items():
        year = programme.year - ago
        for title, size in zip((DEMO_TITLE, PASS_TITLE), sizes, strict=True):
            have = sum(e["year"] == year and e["title"] == title for e in entries)
            for n in range(size - have):  # communities that do not apply this year
                district = rng.choice(districts)
                state = "撤销" if n == 0 and (ago, title) in REVOKED else "有效"
                entries.append(
                    {
                        "year": year,
                        "district": district,
                        "community": names.community(district),
                        "title": title,
                        "state": state,
                    }
                )
    entries.sort(key=lambda e: (e["year"], e["title"] != DEMO_TITLE, districts.index(e["district"])))
    wb = Workbook()
    wb.active.title = REGISTER_SHEET
    style = {"headers": ["canonical"], "pad": False, "num": ["int"], "year": ["int"]}
    write_table(wb.active, rng, list(register_columns(programme)), entries, style)
    save(wb, out / "register.xlsx", programme.year)
    return entries


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--year", type=int, default=2026)
    args = parser.parse_args(argv)
    programme = load_programme(year=args.year)
    rng = random.Random(SEED + args.year)
    names = Names(rng)
    for folder in ("submissions", "reviews", "flawed"):
        (args.out / folder).mkdir(parents=True, exist_ok=True)
        for old in (args.out / folder).glob("*.xlsx"):
            old.unlink()

    books = build_submissions(rng, names, programme)
    write_submissions(rng, programme, books, args.out)
    programme_districts = set(programme.settings.districts)
    candidates = [
        r
        for rows in books.values()
        for r in rows
        if r["target"] == DEMO_TITLE
        and r["district"] in programme_districts
        and r["recommendation"] == "同意推荐"
        and not has_veto(r)
        and is_strong(programme, r)
    ]
    write_reviews(rng, programme, candidates, args.out)
    register = write_register(rng, names, programme, books, args.out)
    planted = write_flawed(rng, names, programme, args.out / "flawed", make_row)

    cases = [
        {
            "file": r["_file"],
            "district": r["district"],
            "community": r["community"],
            "target": r["target"],
            "cases": r["_cases"],
            "self_total": str(r["self_total"]),
            "reviewed": any(r is c for c in candidates),
        }
        for rows in books.values()
        for r in rows
        if r["_cases"]
    ]
    (args.out / "designed_cases.json").write_text(json.dumps(cases, ensure_ascii=False, indent=1) + "\n", "utf-8")
    rows = [r for rows in books.values() for r in rows]
    demos = sum(r["target"] == DEMO_TITLE for r in rows)
    print(
        f"{len(rows)} rows in {len(books)} workbooks; {demos} 示范 applicants;"
        f" {len(candidates)} reviewed; {len(register)} register entries; {len(planted)} planted errors"
    )


if __name__ == "__main__":
    main()
