"""The naming decision (命名决定, docs/rules.md#naming-decision): after the 公示 has run its course
without an undecided tie, the office names the year's titles. It says how the notice went (no
objection, or how many were raised, upheld and dismissed), names the titles, and lists them by
title and district in the programme's district order, with counts that add up. Every name in it is
the programme's own (settings), and the lists are the register's: judge/register.final_titles."""

from __future__ import annotations

import datetime as dt
from typing import Any

import cn2an
import pandas as pd

from greencomm.errors import TooEarly
from greencomm.judge.register import final_titles
from greencomm.judge.results import Results
from greencomm.write.documents import Document, final_only, in_district_order
from greencomm.write.jinja import chinese_date
from greencomm.write.workdays import notice_period

ONE_DAY = dt.timedelta(days=1)


def numeral(n: int) -> str:
    """一, 二 … 十一: how official documents number their parts."""
    return str(cn2an.an2cn(n))


def _objections(results: Results, withdrawn: list[str]) -> str:
    hearing = results.hearing
    raised = hearing.upheld + hearing.dismissed if hearing is not None else 0
    if hearing is None or not raised:
        return "公示期间无异议。"
    said = f"公示期间共收到异议{raised}件，经核查，{hearing.upheld}件成立、{hearing.dismissed}件不成立"
    if not withdrawn:
        return said + "。"
    said += f"；异议成立的{'、'.join(withdrawn)}不予命名"
    demonstration = results.programme.demonstration_title
    if demonstration is not None and results.programme.settings.quotas.refill:
        said += f"，空出的{demonstration}名额按排名依次递补"
    return said + "。"


def naming(results: Results, notice_start: dt.date, issued: dt.date | None = None) -> Document:
    """The decision's context: title, addressee, the body in paragraphs, the lists, issuer and date.
    Refused (TooEarly) before the notice period has ended; judge/register.final_titles refuses
    while the inputs hold errors or a 待审定 tie is undecided."""
    final_only(results, "命名决定")
    programme = results.programme
    settings, year, city = programme.settings, programme.year, programme.settings.city
    first, last, moved = notice_period(notice_start, settings.notice.working_days)  # issued from the day after
    issued = issued or dt.date.today()
    if issued <= last:
        raise TooEarly(
            f"公示期为{chinese_date(first)}至{chinese_date(last)}，公示期满后方可命名："
            f"请于 {(last + ONE_DAY).isoformat()} 起运行 / the notice period ends on {last.isoformat()}: "
            f"run it from {(last + ONE_DAY).isoformat()}"
        )
    titles = final_titles(results, "发布命名决定")
    warnings = [f"公示开始日 {notice_start.isoformat()} 不是工作日，按 {first.isoformat()} 计算公示期"] if moved else []
    ordered = in_district_order(titles, settings.districts)
    gone = results.table.loc[list(results.hearing.withdrawn) if results.hearing is not None else []]
    withdrawn = [f"{d}{c}" for d, c in zip(gone.district, gone.community, strict=True)]
    sections = []
    for title in (t for t in (programme.demonstration_title, programme.title) if t is not None):  # 示范 first
        rows = ordered[ordered.title == title]
        if len(rows):
            sections.append((title, rows))
    named = "，".join(f"{rows.community.iloc[0]}等{len(rows)}个社区为“{city}{title}”" for title, rows in sections)
    body = [
        f"根据《{programme.scheme}》和《{programme.rubric_title}》，{year}年度{city}{programme.title}创建评选工作"
        f"经各区推荐申报、市级材料审核与评分、专家现场评审和集体复议，拟命名名单已于{chinese_date(first)}至"
        f"{chinese_date(last)}进行公示。{_objections(results, withdrawn)}",
        f"现决定命名{named}（名单附后）。" if sections else "本年度无命名社区。",
        "希望受到命名的社区珍惜荣誉，巩固创建成果，继续发挥带动作用。各区要加强对已命名社区的指导和监督，"
        "实行动态管理，对复查考核达不到标准的，将责令整改或撤销称号。",
    ]
    numbered = len(sections) > 1
    lists = [
        {
            "heading": f"{numeral(n) + '、' if numbered else ''}{city}{title}名单（{len(rows)}个）",
            "count": len(rows),
            "districts": _by_district(rows, numbered),
        }
        for n, (title, rows) in enumerate(sections, start=1)
    ]
    context = {
        "title": f"关于命名{year}年度{city}{'和'.join(title for title, _ in sections) or programme.title}的决定",
        "addressee": f"各区创建{programme.title}工作领导小组办公室：",
        "body": body,
        "lists": lists,
        "total": len(titles),
        "issuer": programme.issuer,
        "issued": issued,
        "notice": {"start": first, "end": last},
    }
    return Document(context, warnings=warnings)


def _by_district(rows: pd.DataFrame, nested: bool) -> list[dict[str, Any]]:
    """一、芙蓉区（5个） with its communities; under a numbered title, （一）芙蓉区（5个）."""
    parts = []
    for n, (district, group) in enumerate(rows.groupby("district", sort=False), start=1):
        label = f"（{numeral(n)}）" if nested else f"{numeral(n)}、"
        parts.append({
            "heading": f"{label}{district}（{len(group)}个）", "district": district, "count": len(group),
            "communities": "、".join(group.community),
        })  # fmt: skip
    return parts
