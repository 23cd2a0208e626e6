"""The year's summary (年度总结, docs/rules.md#documents) as the office sends it: its sections with the
clerk's prose and the year's figures, and charts where a picture reads better.

一、创建工作开展情况 (组织领导, 宣传发动, 培训交流, 经费投入, 考评验收), 二、创建成效, 三、存在问题,
四、下一步工作: the prose comes from the narrative file (greencomm.write.narrative), the figures from
the data (greencomm.write.summary_figures).

A section the narrative does not fill holds a placeholder saying what to write (【待填写：…】). Every
name is the programme's own: a one-tier programme has no demonstration tier anywhere, a programme
without payers no money section.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from greencomm.judge.results import Results
from greencomm.judge.shortlist import DEMONSTRATION, ONSITE
from greencomm.programme.rubric import fmt
from greencomm.write import charts
from greencomm.write import summary_figures as figures
from greencomm.write.documents import Document, in_district_order, list_rows
from greencomm.write.narrative import Narrative, Paragraph, SectionWords, merge
from greencomm.write.target import target_text

SCORE_BINS = ((0, 60, "60分以下"), (60, 70, "60–70分"), (70, 80, "70–80分"), (80, 90, "80–90分"), (90, 101, "90分以上"))
NUMBERS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Section(SectionWords):
    """A section of the summary: its name, the words a clerk's heading may use for it, and what the
    placeholder asks for ("" for a section whose own text is optional)."""

    asks: str = ""
    sub: bool = False  # a （一） section under 一、创建工作开展情况


SECTIONS = (
    Section("opening", "总体情况", ("导语", "前言", "引言", "概述", "开头", "总体")),
    Section("work", "创建工作开展情况", ("开展情况", "实施情况", "主要做法", "主要工作")),
    Section("organisation", "组织领导", ("组织机构", "领导小组", "组织保障", "领导"),
            "本年度组织领导情况——领导小组及其办公室、各区分工、部门协作、督促指导……", sub=True),
    Section("publicity", "宣传发动", ("宣传", "发动", "舆论", "媒体"),
            "本年度宣传发动情况——新闻媒体报道、宣传品印发、主题宣传活动、居民参与……", sub=True),
    Section("training", "培训交流", ("培训", "交流", "学习"),
            "本年度培训交流情况——培训对象与内容、交流会、参观学习、骨干培养……", sub=True),
    Section("funding", "经费投入", ("经费", "资金", "投入"),
            "本年度经费投入情况——各级投入、资金使用原则、重点扶持……", sub=True),
    Section("review", "考评验收", ("考评", "验收", "评审", "评选", "考核"),
            "本年度考评验收情况——申报审核、现场评审程序、集体复议与公示……", sub=True),
    Section("results", "创建成效", ("成效", "成果", "效果", "成绩"),
            "本年度创建成效——社区环境面貌、居民环境意识、各方沟通合作、典型社区……"),
    Section("problems", "存在问题", ("问题", "不足", "困难"), "创建工作中存在的问题与不足……"),
    Section("plans", "下一步工作", ("下一步", "打算", "计划", "展望", "明年"), "下一年度的工作打算……"),
)  # fmt: skip


def report(results: Results, today: dt.date | None = None, narrative: str | None = None, source: str = "") -> Document:
    """The year's summary: the sections with the clerk's prose (`narrative`, the text of the
    narrative file named `source`) or placeholders, and the figures of the year."""
    programme = results.programme
    merged = merge(narrative or "", SECTIONS, source)
    final = figures.titles_are_final(results)
    verb = "命名" if final else "拟命名"
    context = _figures(results, final, verb)
    money_text, money_rows = figures.money(results, verb)
    context.update(money_text=money_text, money=money_rows, demonstration_text=money_text)
    sections, warnings = _sections(merged, has_money=bool(money_rows))
    stage = "" if results.reviewed else "（现场评审前的初步结果）"
    context.update({
        "sections": sections,
        "title": f"{programme.settings.city}{programme.year}年度{programme.title}创建工作总结{stage}",
        "opening": _opening(results, merged, verb),
        "table_no": _table_numbers(context),
        "issuer": programme.issuer, "issued": today or dt.date.today(),
    })  # fmt: skip
    found, chart_notes = _report_charts(context)
    context["figures"] = _figure_captions(found)
    return Document(context, found, [*merged.warnings(), *warnings, *chart_notes])


# ---------------------------------------------------------------- the sections and the clerk's prose
def _paragraphs(paragraphs: list[Paragraph]) -> list[dict[str, Any]]:
    return [{"text": p.text, "placeholder": p.placeholder, "bullet": p.bullet} for p in paragraphs]


def _sections(narrative: Narrative, has_money: bool) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Each section's numbered heading, whether it is in the document, and its paragraphs: the
    clerk's, else a placeholder. 经费投入 is there when there is money to tell or the clerk wrote it."""
    out: dict[str, dict[str, Any]] = {}
    waiting: list[str] = []
    top = sub = 0
    for section in SECTIONS:
        written = narrative.sections.get(section.key, [])
        present = section.key != "funding" or has_money or bool(written)
        if section.key == "opening" or not present:
            out[section.key] = {"heading": section.name, "present": present, "narrative": _paragraphs(written)}
            continue
        if section.sub:
            heading, sub = f"（{NUMBERS[sub]}）{section.name}", sub + 1
        else:
            heading, top = f"{NUMBERS[top]}、{section.name}", top + 1
        if not written and section.asks:
            written, waiting = [Paragraph(f"【待填写：{section.asks}】", placeholder=True)], [*waiting, section.name]
        out[section.key] = {"heading": heading, "present": True, "narrative": _paragraphs(written)}
    if not waiting:
        return out, []
    return out, [
        f"年度总结中 {len(waiting)} 节待填写（{'、'.join(waiting)}），文中以【待填写：…】标出："
        f"请写进素材文件（如 ## {waiting[0]}）后用 --narrative 重新运行 / {len(waiting)} sections of the summary"
        " are placeholders: write them in the narrative file and run again with --narrative"
    ]


def _opening(results: Results, narrative: Narrative, verb: str) -> str:
    """The first paragraph: the basis, the clerk's 总体情况 if any, the year's titles in one sentence."""
    programme = results.programme
    basis = (f"根据《{programme.scheme}》和《{programme.rubric_title}》，{programme.year}年{programme.settings.city}"
             f"各区、街道和社区积极开展{programme.title}创建工作。")  # fmt: skip
    own = "".join(p.text for p in narrative.sections.get("opening", []))
    if results.reviewed:
        count = f"全年共{verb}{figures.titles_phrase(results)}。"
    else:
        count = (
            f"全年共推荐申报社区{len(results.table)}个，{int((results.table.status == ONSITE).sum())}个推荐现场评审。"
        )
    return f"{basis}{own}{count}现将{programme.year}年度{programme.title}创建工作总结如下。"


# ---------------------------------------------------------------- the figures of each section
def _figures(results: Results, final: bool, verb: str) -> dict[str, Any]:
    programme, table = results.programme, results.table
    settings = programme.settings
    by_district = figures.breakdown(table, "district", settings.districts, results)
    by_type = figures.breakdown(table, "community_type", list(settings.community_types), results)
    trend, trend_text = figures.trend(results, final)
    demo = in_district_order(results.ordered(), settings.districts)
    scores_text, bins, categories = _scores(results)
    process = figures.review_process(results, final)
    return {
        "city": settings.city, "year": programme.year, "reviewed": results.reviewed, "final": final, "verb": verb,
        "programme": programme.title, "demonstration_title": programme.demonstration_title,
        "two_tier": programme.two_tier,
        "publicity_text": figures.activities(results, training=False),
        "training_text": figures.activities(results, training=True),
        "review_text": process,
        "failures_text": figures.failures(results),
        "scores_text": scores_text, "score_bins": bins, "categories": categories,
        "categories_text": _categories_text(categories),
        "results_text": _results_text(results, by_district, by_type, verb),
        "applications_text": process,
        "by_district": by_district, "by_type": by_type,
        "demonstrations": list_rows(demo[demo.status == DEMONSTRATION]) if programme.two_tier else [],
        "trend": trend, "trend_text": trend_text, "show_trend": len(trend) > 1,
        "target_text": target_text(results, final),
    }  # fmt: skip


def _scores(results: Results) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """The average total and how totals fall into bands; each category's average against its maximum."""
    totals = [Fraction(str(t)) for t in results.table.total]
    bins = [sum(1 for t in totals if lo <= t < hi) for lo, hi, _ in SCORE_BINS]
    average = sum(totals, Fraction(0)) / len(totals) if totals else Fraction(0)
    said = "，".join(f"{label}{n}个" for (_, _, label), n in zip(SCORE_BINS, bins, strict=True))
    categories = []
    for cat in results.programme.rubric.categories:
        values = [Fraction(str(v)) for v in results.scores.categories[cat.id]]
        mean = sum(values, Fraction(0)) / len(values) if values else Fraction(0)
        ratio = float(mean / cat.max * 100)
        categories.append({"id": cat.id, "name": cat.name, "max": fmt(cat.max), "average": f"{float(mean):.2f}",
                           "rate": f"{ratio:.1f}%", "ratio": ratio})  # fmt: skip
    text = f"全部申报社区平均得分{float(average):.2f}分；{said}。"
    return text, [{"label": label, "count": n} for (_, _, label), n in zip(SCORE_BINS, bins, strict=True)], categories


def _categories_text(categories: list[dict[str, Any]]) -> str:
    if not categories:
        return ""
    best = max(categories, key=lambda c: c["ratio"])
    worst = min(categories, key=lambda c: c["ratio"])
    each = "、".join(f"{c['name']}{c['rate']}" for c in categories)
    return f"各类别平均得分率（平均得分÷满分）为：{each}；其中{best['name']}最高，{worst['name']}最低。"


def _results_text(results: Results, by_district: list[dict[str, Any]], by_type: list[dict[str, Any]], verb: str) -> str:
    """全年共评出… — the titles, the pass rate, and how they spread over districts and types."""
    total, title = by_district[-1], results.programme.title
    if not results.reviewed:
        onsite = int((results.table.status == ONSITE).sum())
        counts = f"{total['applied']}个申报社区中，{total['passed']}个达到“{title}”标准，{onsite}个推荐现场评审"
        return f"现场评审前的初步结果：{counts}。"
    text = f"全年共{verb}{figures.titles_phrase(results)}，占申报社区的{total['rate']}。"
    spread = [f"按区分，{figures.spread(by_district)}" if total["titled"] else "",
              f"按社区类型分，{figures.spread(by_type)}" if total["titled"] else ""]  # fmt: skip
    return text + (figures.joined(spread, "；") + "。" if total["titled"] else "")


def _table_numbers(context: dict[str, Any]) -> dict[str, int]:
    """表1, 表2 … in the order the tables stand, counting only those in this document."""
    present = [("money", bool(context["money"])), ("districts", True), ("types", True),
               ("demonstrations", bool(context["demonstrations"]))]  # fmt: skip
    return {name: n for n, name in enumerate((name for name, shown in present if shown), start=1)}


# ---------------------------------------------------------------- charts
FIGURE_ORDER = ("scores", "categories", "districts", "trend")  # as they stand in the summary
FIGURE_TITLES = {"districts": "各区申报与命名情况", "scores": "总分分布", "categories": "各类别平均得分率",
                 "trend": "历年命名数量"}  # fmt: skip


def _figure_captions(found: dict[str, bytes]) -> dict[str, str]:
    """图1　总分分布 …: numbered in the order the charts stand, counting only those drawn."""
    shown = [name for name in FIGURE_ORDER if name in found]
    return {name: f"图{n}　{FIGURE_TITLES[name]}" for n, name in enumerate(shown, start=1)}


def _report_charts(context: dict[str, Any]) -> tuple[dict[str, bytes], list[str]]:
    """Districts (applied and titled), the score distribution, category averages against their
    maxima, and the trend when there are two years or more to compare."""
    if charts.cjk_font() is None:
        return {}, [charts.INSTALL_HINT]
    districts = [r for r in context["by_district"] if r["name"] != figures.TOTAL]
    title, demo = context["programme"], context["demonstration_title"]
    series = [charts.Series("申报", [r["applied"] for r in districts])]
    if demo is not None:
        series.append(charts.Series(demo, [r["demonstration"] for r in districts]))
    series.append(charts.Series(title, [r["passed"] for r in districts]))
    out = {
        "districts": charts.bars(FIGURE_TITLES["districts"], [r["name"] for r in districts], series, "社区数（个）"),
        "scores": charts.bars(FIGURE_TITLES["scores"], [b["label"] for b in context["score_bins"]],
                              [charts.Series("社区数", [b["count"] for b in context["score_bins"]])], "社区数（个）"),
        "categories": charts.bars("各类别平均得分率", [c["name"] for c in context["categories"]],
                                  [charts.Series("得分率", [c["ratio"] for c in context["categories"]])],
                                  "平均得分 ÷ 满分（%）", percent=True),
    }  # fmt: skip
    if context["show_trend"]:
        trend = context["trend"]
        stacked = [charts.Series(demo, [t["demonstration"] for t in trend])] if demo is not None else []
        stacked.append(charts.Series(title, [t["passed"] for t in trend]))
        out["trend"] = charts.bars(
            "历年命名数量", [str(t["year"]) for t in trend], stacked, "社区数（个）", stacked=True
        )
    return out, []
