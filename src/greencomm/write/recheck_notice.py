"""The notice of a re-check's outcomes (复查结果通报, docs/rules.md#re-check): what was re-checked and
against which levels, how many kept, must put things right by a deadline, lost or were not
re-checked, and under 附件 the communities by outcome (保留, 限期整改 with its deadline, 撤销,
未复查), each list in the programme's district order. Every name in it is the programme's own
(settings, rubric); the outcomes are judge/recheck.py's, the same as the re-check workbook's."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from greencomm.judge.recheck import KEEP, NOT_RECHECKED, OUTCOMES, RECTIFY_BY, REVOKED_NOW, Rechecked
from greencomm.programme import Programme
from greencomm.programme.rubric import fmt
from greencomm.write.decision import numeral
from greencomm.write.documents import Document
from greencomm.write.jinja import chinese_date
from greencomm.write.recheck_book import counts, in_order

HEADINGS = {KEEP: "保留称号的社区", RECTIFY_BY: "限期整改的社区", REVOKED_NOW: "撤销称号的社区",
            NOT_RECHECKED: "未复查的社区"}  # fmt: skip
SAID = {KEEP: "保留称号{n}个", RECTIFY_BY: "限期整改{n}个", REVOKED_NOW: "撤销称号{n}个", NOT_RECHECKED: "未复查{n}个"}


def levels_text(programme: Programme) -> str:
    """Each title's level in words, the lower title first: the standard every holder was held to."""
    levels = programme.levels
    out = [f"{programme.title}总分不低于{fmt(levels.pass_total)}分"]
    if programme.demonstration_title is not None:
        out.append(f"{programme.demonstration_title}总分不低于{fmt(levels.demonstration_total)}分且各类别得分"
                   f"不低于该类别满分的{fmt(levels.category_share * 100)}%")  # fmt: skip
    return "，".join(out) + "，且无一票否决情形"


def _rows(group: pd.DataFrame, programme: Programme) -> list[dict[str, Any]]:
    """A list's rows; a veto named in words, for readers who do not know the rubric's codes."""
    named = {f"一票否决：{v.id}": f"一票否决：{v.id}（{v.name}）" for v in programme.rubric.vetoes}
    return [
        {"seq": n, "district": r["district"], "community": r["community"], "title": f"{r['year']}年{r['title']}",
         "total": "—" if r["total"] is None else f"{r['total']:.2f}",
         "reason": "；".join(named.get(why, why) for why in r["reasons"])}
        for n, r in enumerate(group.to_dict("records"), start=1)
    ]  # fmt: skip


def _body(done: Rechecked, deadline: dt.date | None) -> list[str]:
    programme = done.results.programme
    city, n = programme.settings.city, counts(done)
    held = len(done.table)
    said = "，".join(SAID[o].format(n=n[o]) for o in OUTCOMES if n[o])
    body = [
        f"根据《{programme.scheme}》和《{programme.rubric_title}》，按照对已命名社区实行动态管理的要求，"
        f"{programme.issuer}组织对{city}称号仍然有效或正在整改的{held}个已命名社区开展了复查，依据现行考评标准"
        f"逐项评分，对照各社区所获称号的等级标准（{levels_text(programme)}）作出复查结论。",
        f"经复查，{said}（名单附后）。" if held else "本次无需复查的已命名社区。",
    ]
    if n[RECTIFY_BY] and deadline is not None:
        body.append(f"限期整改的社区，请所在区督促其于{chinese_date(deadline)}前整改到位并申请复查；"
                    "整改后复查仍不合格的，撤销其称号。")  # fmt: skip
    if n[REVOKED_NOW]:
        body.append("撤销称号的社区，其称号自本通报印发之日起撤销，不得继续使用。")
    if n[NOT_RECHECKED]:
        body.append("未报送复查材料的社区，请所在区督促其尽快补报。")
    body.append("各区要加强对已命名社区的日常指导和监督，巩固创建成果，确保称号与实绩相符。")
    return body


def recheck_notice(done: Rechecked, date: dt.date, doc: str | None = None) -> Document:
    """The notice's context: 文号 (when given), title, addressee, the body, the lists by outcome, the
    issuer and the date of the re-check."""
    programme = done.results.programme
    year, city = programme.year, programme.settings.city
    table = in_order(done)
    deadlines = sorted(d for d in table.deadline if d is not None)
    deadline = deadlines[0] if deadlines else None
    parts: list[dict[str, Any]] = []
    for outcome in OUTCOMES:
        group = table[table.outcome == outcome]
        if not len(group):
            continue
        heading = f"{numeral(len(parts) + 1)}、{HEADINGS[outcome]}（{len(group)}个）"
        note = f"整改期限：{chinese_date(deadline)}前。" if outcome == RECTIFY_BY and deadline is not None else ""
        rows = _rows(group, programme)
        parts.append({"outcome": outcome, "heading": heading, "note": note, "count": len(group), "rows": rows,
                      "reasons": any(r["reason"] for r in rows)})  # fmt: skip
    annex = f"{year}年度{city}{programme.title}复查结果名单"
    context = {
        "doc": doc or "",
        "title": f"关于{year}年度{city}{programme.title}复查结果的通报",
        "addressee": f"各区创建{programme.title}工作领导小组办公室：",
        "body": _body(done, deadline),
        "annex": annex,
        "lists": parts,
        "counts": counts(done),
        "issuer": programme.issuer,
        "issued": date,
    }
    return Document(context)
