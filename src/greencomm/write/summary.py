"""The year's summary (年度总结, docs/rules.md#documents): applications and titles, scores, the
demonstration list and the money, activities, the trend over past years, with charts."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pandas as pd

from greencomm.judge.results import Results
from greencomm.judge.shortlist import DEMONSTRATION, FAILED, PENDING
from greencomm.programme.layouts import VALID
from greencomm.programme.rubric import fmt
from greencomm.write import charts
from greencomm.write.documents import Document, in_district_order, list_rows
from greencomm.write.jinja import capital_yuan

SCORE_BINS = ((0, 60, "60分以下"), (60, 70, "60–70分"), (70, 80, "70–80分"), (80, 90, "80–90分"), (90, 101, "90分以上"))


def _rate(part: int, whole: int) -> str:
    return f"{Decimal(part * 100) / Decimal(whole):.1f}%" if whole else "—"


def _breakdown(table: pd.DataFrame, key: str, names: list[str], passed: str) -> list[dict[str, Any]]:
    rows = []
    groups = [*names, *sorted(set(table[key].dropna()) - set(names))]
    for name in [*groups, "合计"]:
        part = table if name == "合计" else table[table[key] == name]
        if name != "合计" and part.empty and name not in names:
            continue
        counts = Counter(part.status)
        titled = counts[DEMONSTRATION] + counts[passed]
        rows.append({
            "name": name, "applied": len(part), "demonstration": counts[DEMONSTRATION], "passed": counts[passed],
            "pending": counts[PENDING], "failed": counts[FAILED], "titled": titled, "rate": _rate(titled, len(part)),
        })  # fmt: skip
    return rows


def _activities(results: Results) -> tuple[list[dict[str, Any]], str]:
    acts = results.activities
    rows: list[dict[str, Any]] = []
    for kind in [a.name for a in results.programme.settings.activity_types]:
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
    year, title = results.programme.year, results.programme.title
    demo = results.programme.demonstration_title or ""
    per_year: dict[int, Counter[str]] = {}
    register = results.inputs.register
    if register is not None and len(register.frame):
        valid = register.frame[register.frame.state == VALID]
        for y, title in zip(valid.year, valid.title, strict=True):
            if y is not None and title is not None:
                per_year.setdefault(int(y), Counter())[title] += 1
    if year not in per_year:
        statuses = Counter(results.table.status)
        per_year[year] = Counter({demo: statuses[DEMONSTRATION], title: statuses[title]})
    rows = [{"year": y, "demonstration": c[demo], "passed": c[title],
             "total": c[demo] + c[title]} for y, c in sorted(per_year.items())]  # fmt: skip
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
    demo_n, pass_n = statuses[DEMONSTRATION], statuses[programme.title]
    by_district = _breakdown(table, "district", settings.districts, programme.title)
    by_type = _breakdown(table, "community_type", list(settings.community_types), programme.title)
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
    demo = in_district_order(results.ordered(), settings.districts)
    demo = demo[demo.status == DEMONSTRATION]
    activities, activities_text = _activities(results)
    trend, trend_text = _trend(results)
    payer_words = "、".join(p["payer"] for p in money["payers"])
    average_total = sum(totals, Fraction(0)) / len(totals) if totals else Fraction(0)
    stage = "" if results.reviewed else "（现场评审前的初步结果）"
    context = {
        "city": city, "year": year, "reviewed": results.reviewed, "programme": programme.title,
        "title": f"{city}{year}年度{programme.title}创建工作总结{stage}",
        "opening": f"{year}年，在市创建{programme.title}工作领导小组的领导下，各区、街道和社区按照"
                   f"《{programme.scheme}》和《{programme.rubric_title}》开展创建工作。现将本年度情况总结如下。",
        "applications_text": f"全市{len(settings.districts)}个区共申报{len(table)}个社区，"
                             f"其中申报示范社区{int((table.target == programme.demonstration_title).sum())}个。"
                             f"拟命名示范社区{demo_n}个、{programme.title}{pass_n}个"
                             + (f"，{statuses[PENDING]}个待领导小组审定" if statuses[PENDING] else "")
                             + f"，{statuses[FAILED]}个未通过，通过率{_rate(demo_n + pass_n, len(table))}。",
        "by_district": by_district, "by_type": by_type,
        "scores_text": f"全部申报社区平均得分{float(average_total):.2f}分；"
                       + "，".join(f"{label}{n}个" for (_, _, label), n in zip(SCORE_BINS, bins, strict=True)) + "。",
        "score_bins": [{"label": label, "count": n} for (_, _, label), n in zip(SCORE_BINS, bins, strict=True)],
        "categories": categories,
        "demonstration_text": f"本年度命名{programme.demonstration_title}{demo_n}个，由{payer_words}各给予"
                              f"{capital_yuan(settings.payers[0].amount) if settings.payers else ''}资金奖励，"
                              f"每个共计{capital_yuan(settings.amount_per_demonstration)}"
                              f"（{settings.amount_per_demonstration:,}元），从{settings.fund}列支；"
                              f"奖励资金合计{money['total']:,}元（{capital_yuan(money['total'])}）。",
        "demonstrations": list_rows(demo),
        "money": money_rows,
        "activities": activities, "activities_text": activities_text,
        "trend": trend, "trend_text": trend_text,
        "issuer": programme.issuer, "issued": today or dt.date.today(),
    }  # fmt: skip
    return Document(context, *_report_charts(context))


def _report_charts(context: dict[str, Any]) -> tuple[dict[str, bytes], list[str]]:
    if charts.cjk_font() is None:
        return {}, [charts.INSTALL_HINT]
    districts = [r for r in context["by_district"] if r["name"] != "合计"]
    names = [r["name"] for r in districts]
    title = context["programme"]
    out = {
        "districts": charts.bars("各区申报与命名情况", names, [
            charts.Series("申报", [r["applied"] for r in districts]),
            charts.Series("示范社区", [r["demonstration"] for r in districts]),
            charts.Series(title, [r["passed"] for r in districts])], "社区数（个）"),
        "scores": charts.bars("总分分布", [b["label"] for b in context["score_bins"]],
                              [charts.Series("社区数", [b["count"] for b in context["score_bins"]])], "社区数（个）"),
        "categories": charts.bars("各类别平均得分率", [c["name"] for c in context["categories"]],
                                  [charts.Series("得分率", [c["ratio"] for c in context["categories"]])],
                                  "平均得分 ÷ 满分（%）", percent=True),
        "trend": charts.bars("历年命名数量", [str(t["year"]) for t in context["trend"]], [
            charts.Series("示范社区", [t["demonstration"] for t in context["trend"]]),
            charts.Series(title, [t["passed"] for t in context["trend"]])], "社区数（个）", stacked=True),
    }  # fmt: skip
    return out, []
