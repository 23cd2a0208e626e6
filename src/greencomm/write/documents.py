"""The documents that leave the office (docs/rules.md#documents): the 公示 (public notice) and the year's
summary (年度总结).

Templates receive plain dicts built here from the results; the numbers in them come from the same
results as the shortlist, so the documents and the lists can never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from greencomm.errors import UsageError
from greencomm.judge.results import Results
from greencomm.judge.shortlist import DEMONSTRATION, FAILED, PASSED, PENDING
from greencomm.programme.layouts import ACTIVITY_TYPES, COMMUNITY_TYPES, DEMO_TITLE, PASS_TITLE, VALID
from greencomm.programme.rubric import fmt
from greencomm.read.names import name_key
from greencomm.write import charts
from greencomm.write.atomic import write_bytes
from greencomm.write.jinja import capital_yuan, chinese_date
from greencomm.write.workdays import next_working_day, notice_period

SCORE_BINS = ((0, 60, "60分以下"), (60, 70, "60–70分"), (70, 80, "70–80分"), (80, 90, "80–90分"), (90, 101, "90分以上"))


@dataclass
class Document:
    """A rendered document's context, its charts (file name → PNG) and warnings for the clerk."""

    context: dict[str, Any]
    charts: dict[str, bytes] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _final(results: Results, what: str) -> None:
    if not results.reviewed:
        raise UsageError(
            f"{what}需要现场评审后的名单：请加上 --reviews，或使用评审后生成的名单 / {what} needs --reviews"
        )


def _in_district_order(frame: pd.DataFrame, districts: list[str]) -> pd.DataFrame:
    order = {name_key(d): n for n, d in enumerate(districts)}
    return frame.assign(_d=frame.district.map(lambda d: order.get(name_key(d or ""), len(order)))).sort_values(
        ["_d", "rank", "_py"], kind="mergesort"
    )


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {"seq": n, "district": r.district, "street": r.street, "community": r.community, "total": str(r.total)}
        for n, r in enumerate(frame.itertuples(index=False), start=1)
    ]


# ---------------------------------------------------------------- 公示
def publicity(results: Results, start: dt.date | None = None, today: dt.date | None = None) -> Document:
    """The 公示: title, basis, process, the lists by district (示范 first), 公示期, how to object, issuer."""
    _final(results, "公示")
    settings, year, city = results.programme.settings, results.programme.year, results.programme.settings.city
    ordered = _in_district_order(results.ordered(), settings.districts)
    demo = ordered[ordered.status == DEMONSTRATION]
    passed = ordered[ordered.status == PASSED]
    warnings = []
    pending = ordered[ordered.status == PENDING]
    if len(pending):
        names = "、".join(f"{d}{c}" for d, c in zip(pending.district, pending.community, strict=True))
        warnings.append(f"{len(pending)} 个待审定社区未列入公示（{names}），请领导小组审定后另行公示")
    asked = start or next_working_day(today or dt.date.today())
    first, last, moved = notice_period(asked, settings.notice.working_days)
    if moved:
        warnings.append(f"公示开始日 {asked.isoformat()} 不是工作日，已顺延至 {first.isoformat()}")
    reviews = results.inputs.reviews
    reviewers = reviews.frame.reviewer.dropna().map(name_key).nunique() if reviews is not None else 0
    applied = len(results.table)
    context = {
        "city": city,
        "year": year,
        "title": f"关于{year}年{city}节能环保示范社区和节能环保社区拟命名名单的公示",
        "basis": f"根据《{city}节能环保社区创建工作实施方案》和《{results.programme.rubric.title}》，"
        f"按照“公开、公平、公正”的原则，现将{year}年度{city}节能环保社区创建评选结果予以公示。",
        "process": f"{year}年，各区按照“市、区、街道三级联动，自下而上逐级推荐”的原则，共推荐申报社区{applied}个。"
        f"经区级初审推荐、市创建办材料审核与评分、{reviewers}位专家现场评审（实行回避制度）和集体复议，"
        f"拟命名{len(demo)}个社区为“{city}{DEMO_TITLE}”，{len(passed)}个社区为“{city}{PASS_TITLE}”。",
        "lists": [
            {"heading": f"一、{city}{DEMO_TITLE}", "count": len(demo), "rows": _rows(demo)},
            {"heading": f"二、{city}{PASS_TITLE}", "count": len(passed), "rows": _rows(passed)},
        ],
        "start": first,
        "end": last,
        "working_days": settings.notice.working_days,
        "period": f"公示期为{chinese_date(first)}至{chinese_date(last)}（{settings.notice.working_days}个工作日）。",
        "objection": "公示期间，如有异议，请以书面形式向市创建办反映。反映情况应实事求是，"
        "并署真实姓名、工作单位和联系方式；匿名或无具体事实的不予受理。",
        "contact": settings.contact.model_dump(),
        "issuer": settings.issuer,
        "issued": first,
    }
    return Document(context, warnings=warnings)


# ---------------------------------------------------------------- 年度总结
def _rate(part: int, whole: int) -> str:
    return f"{Decimal(part * 100) / Decimal(whole):.1f}%" if whole else "—"


def _breakdown(table: pd.DataFrame, key: str, names: list[str]) -> list[dict[str, Any]]:
    rows = []
    groups = [*names, *sorted(set(table[key].dropna()) - set(names))]
    for name in [*groups, "合计"]:
        part = table if name == "合计" else table[table[key] == name]
        if name != "合计" and part.empty and name not in names:
            continue
        counts = Counter(part.status)
        titled = counts[DEMONSTRATION] + counts[PASSED]
        rows.append({
            "name": name, "applied": len(part), "demonstration": counts[DEMONSTRATION], "passed": counts[PASSED],
            "pending": counts[PENDING], "failed": counts[FAILED], "titled": titled, "rate": _rate(titled, len(part)),
        })  # fmt: skip
    return rows


def _activities(results: Results) -> tuple[list[dict[str, Any]], str]:
    acts = results.activities
    rows: list[dict[str, Any]] = []
    for kind in ACTIVITY_TYPES:
        if not len(acts):
            rows.append({"type": kind, "batches": 0, "people": 0})
            continue
        part = acts[acts.type == kind]
        people = sum(int(p) for p in part.participants.tolist() if p is not None)
        rows.append({"type": kind, "batches": len(part), "people": people})
    rows.append({"type": "合计", "batches": sum(r["batches"] for r in rows), "people": sum(r["people"] for r in rows)})
    said = "，".join(f"{r['type']}{r['batches']}批{r['people']}人次" for r in rows[:-1] if r["batches"])
    districts = sorted(set(acts.district.dropna())) if len(acts) else []
    text = (
        f"{len(districts)}个区报送了创建活动：{said}，合计{rows[-1]['batches']}批{rows[-1]['people']}人次。"
        if said
        else "本年度各区未报送创建活动。"
    )
    return rows, text


def _trend(results: Results) -> tuple[list[dict[str, Any]], str]:
    year = results.programme.year
    per_year: dict[int, Counter[str]] = {}
    register = results.inputs.register
    if register is not None and len(register.frame):
        valid = register.frame[register.frame.state == VALID]
        for y, title in zip(valid.year, valid.title, strict=True):
            if y is not None and title is not None:
                per_year.setdefault(int(y), Counter())[title] += 1
    if year not in per_year:
        statuses = Counter(results.table.status)
        per_year[year] = Counter({DEMO_TITLE: statuses[DEMONSTRATION], PASS_TITLE: statuses[PASSED]})
    rows = [{"year": y, "demonstration": c[DEMO_TITLE], "passed": c[PASS_TITLE],
             "total": c[DEMO_TITLE] + c[PASS_TITLE]} for y, c in sorted(per_year.items())]  # fmt: skip
    if len(rows) > 1:
        each = "，".join(f"{r['year']}年{r['total']}个" for r in rows)
        overall = sum(r["total"] for r in rows)
        text = f"历年命名情况（不含已撤销称号）：{each}。{rows[0]['year']}年以来累计命名{overall}个。"
    else:
        text = f"本年度命名{rows[0]['total']}个；未提供历年命名名录，暂无历年对比。"
    return rows, text


def report(results: Results, today: dt.date | None = None) -> Document:
    """The year's summary with figures: applications and titles, scores, the demonstration list and
    the money, activities, the trend over past years."""
    programme, table = results.programme, results.table
    settings, rubric, year, city = programme.settings, programme.rubric, programme.year, programme.settings.city
    statuses = Counter(table.status)
    demo_n, pass_n = statuses[DEMONSTRATION], statuses[PASSED]
    by_district = _breakdown(table, "district", settings.districts)
    by_type = _breakdown(table, "community_type", list(COMMUNITY_TYPES))
    totals = [Fraction(t) for t in table.total]
    bins = [sum(1 for t in totals if lo <= t < hi) for lo, hi, _ in SCORE_BINS]
    categories = []
    for cat in rubric.categories:
        values = [Fraction(v) for v in results.scores.categories[cat.id]]
        average = sum(values, Fraction(0)) / len(values) if values else Fraction(0)
        categories.append(
            {
                "id": cat.id,
                "name": cat.name,
                "max": fmt(cat.max),
                "average": f"{float(average):.2f}",
                "rate": f"{float(average / cat.max * 100):.1f}%",
                "ratio": float(average / cat.max * 100),
            }
        )
    money = results.money()
    money_rows = [{"payer": p["payer"], "count": money["demonstrations"], "per": p["per_community"],
                   "total": p["total"], "capital": capital_yuan(p["total"])} for p in money["payers"]]  # fmt: skip
    money_rows.append({"payer": "合计", "count": money["demonstrations"], "per": settings.amount_per_demonstration,
                       "total": money["total"], "capital": capital_yuan(money["total"])})  # fmt: skip
    demo = _in_district_order(results.ordered(), settings.districts)
    demo = demo[demo.status == DEMONSTRATION]
    activities, activities_text = _activities(results)
    trend, trend_text = _trend(results)
    payer_words = "、".join(p["payer"] for p in money["payers"])
    average_total = sum(totals, Fraction(0)) / len(totals) if totals else Fraction(0)
    stage = "" if results.reviewed else "（现场评审前的初步结果）"
    context = {
        "city": city, "year": year, "reviewed": results.reviewed,
        "title": f"{city}{year}年度节能环保社区创建工作总结{stage}",
        "opening": f"{year}年，在市创建节能环保社区工作领导小组的领导下，各区、街道和社区按照"
                   f"《{city}节能环保社区创建工作实施方案》和《{rubric.title}》开展创建工作。现将本年度情况总结如下。",
        "applications_text": f"全市{len(settings.districts)}个区共申报{len(table)}个社区，"
                             f"其中申报示范社区{int((table.target == DEMO_TITLE).sum())}个。"
                             f"拟命名示范社区{demo_n}个、节能环保社区{pass_n}个"
                             + (f"，{statuses[PENDING]}个待领导小组审定" if statuses[PENDING] else "")
                             + f"，{statuses[FAILED]}个未通过，通过率{_rate(demo_n + pass_n, len(table))}。",
        "by_district": by_district, "by_type": by_type,
        "scores_text": f"全部申报社区平均得分{float(average_total):.2f}分；"
                       + "，".join(f"{label}{n}个" for (_, _, label), n in zip(SCORE_BINS, bins, strict=True)) + "。",
        "score_bins": [{"label": label, "count": n} for (_, _, label), n in zip(SCORE_BINS, bins, strict=True)],
        "categories": categories,
        "demonstration_text": f"本年度命名节能环保示范社区{demo_n}个，由{payer_words}各给予"
                              f"{capital_yuan(settings.payers[0].amount) if settings.payers else ''}资金奖励，"
                              f"每个共计{capital_yuan(settings.amount_per_demonstration)}"
                              f"（{settings.amount_per_demonstration:,}元），从{settings.fund}列支；"
                              f"奖励资金合计{money['total']:,}元（{capital_yuan(money['total'])}）。",
        "demonstrations": _rows(demo),
        "money": money_rows,
        "activities": activities, "activities_text": activities_text,
        "trend": trend, "trend_text": trend_text,
        "issuer": settings.issuer, "issued": today or dt.date.today(),
    }  # fmt: skip
    return Document(context, *_report_charts(context))


def _report_charts(context: dict[str, Any]) -> tuple[dict[str, bytes], list[str]]:
    if charts.cjk_font() is None:
        return {}, [charts.INSTALL_HINT]
    districts = [r for r in context["by_district"] if r["name"] != "合计"]
    names = [r["name"] for r in districts]
    out = {
        "districts": charts.bars("各区申报与命名情况", names, [
            charts.Series("申报", [r["applied"] for r in districts]),
            charts.Series("示范社区", [r["demonstration"] for r in districts]),
            charts.Series("节能环保社区", [r["passed"] for r in districts])], "社区数（个）"),
        "scores": charts.bars("总分分布", [b["label"] for b in context["score_bins"]],
                              [charts.Series("社区数", [b["count"] for b in context["score_bins"]])], "社区数（个）"),
        "categories": charts.bars("各类别平均得分率", [c["name"] for c in context["categories"]],
                                  [charts.Series("得分率", [c["ratio"] for c in context["categories"]])],
                                  "平均得分 ÷ 满分（%）", percent=True),
        "trend": charts.bars("历年命名数量", [str(t["year"]) for t in context["trend"]], [
            charts.Series("示范社区", [t["demonstration"] for t in context["trend"]]),
            charts.Series("节能环保社区", [t["passed"] for t in context["trend"]])], "社区数（个）", stacked=True),
    }  # fmt: skip
    return out, []


# ---------------------------------------------------------------- rendering
CHART_FOLDER = "图表"
CHART_NAMES = ("districts", "scores", "categories", "trend")


def render(document: Document, kind: str, stem: str, templates_dir: Path | None = None) -> dict[str, bytes]:
    """File name → content: `<stem>.docx`, `<stem>.md` and the charts the Markdown links to."""
    from greencomm.write.jinja import render_docx, render_text

    links = {n: Markup(f"{CHART_FOLDER}/{stem}-{n}.png") if n in document.charts else "" for n in CHART_NAMES}
    files = {f"{CHART_FOLDER}/{stem}-{n}.png": png for n, png in document.charts.items()}
    blank = {n: "" for n in CHART_NAMES}
    files[f"{stem}.md"] = render_text(f"{kind}.md.j2", {**document.context, "charts": links}, templates_dir,
                                      markdown=True).encode("utf-8")  # fmt: skip
    files[f"{stem}.docx"] = render_docx(f"{kind}.docx", {**document.context, "charts": blank}, templates_dir,
                                        images=document.charts)  # fmt: skip
    return files


def write_document(
    document: Document, kind: str, stem: str, folder: Path, templates_dir: Path | None, inputs: list[Path]
) -> list[Path]:
    """The document's files written into `folder` (charts into its 图表/ folder); returns the .docx
    and .md written."""
    files = render(document, kind, stem, templates_dir)
    for name, data in files.items():
        write_bytes(folder / name, data, inputs)
    return [folder / n for n in files if not n.startswith(CHART_FOLDER)]
