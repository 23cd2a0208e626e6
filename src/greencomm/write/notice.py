"""The 公示 (public notice, docs/rules.md#documents): title, basis, the review process, the lists by
district (the demonstration title first, in a two-tier programme), the 公示期 in working days, how
to object, the issuer. Every name in it is the programme's own (settings)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from greencomm.judge.results import Results
from greencomm.judge.shortlist import DEMONSTRATION, PENDING
from greencomm.read.names import name_key
from greencomm.write.documents import Document, final_only, in_district_order, list_rows
from greencomm.write.jinja import chinese_date
from greencomm.write.workdays import next_working_day, notice_period

NUMBERS = "一二三四五六七八九十"


def publicity(results: Results, start: dt.date | None = None, today: dt.date | None = None) -> Document:
    """The 公示: title, basis, process, the lists by district (示范 first), 公示期, how to object, issuer."""
    final_only(results, "公示")
    programme = results.programme
    settings, year, city = programme.settings, programme.year, programme.settings.city
    ordered = in_district_order(results.ordered(), settings.districts)
    titled: list[tuple[str, pd.DataFrame]] = []
    if programme.demonstration_title is not None:
        titled.append((programme.demonstration_title, ordered[ordered.status == DEMONSTRATION]))
    titled.append((programme.title, ordered[ordered.status == programme.title]))
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
    named = "，".join(f"{len(rows)}个社区为“{city}{title}”" for title, rows in titled)
    numbered = len(titled) > 1  # one list needs no 一、
    context = {
        "city": city,
        "year": year,
        "title": f"关于{year}年{city}{'和'.join(title for title, _ in titled)}拟命名名单的公示",
        "basis": f"根据《{programme.scheme}》和《{programme.rubric_title}》，"
        f"按照“公开、公平、公正”的原则，现将{year}年度{city}{programme.title}创建评选结果予以公示。",
        "process": f"{year}年，各区按照“市、区、街道三级联动，自下而上逐级推荐”的原则，共推荐申报社区{applied}个。"
        f"经区级初审推荐、市级材料审核与评分、{reviewers}位专家现场评审（实行回避制度）和集体复议，"
        f"拟命名{named}。",
        "lists": [
            {
                "heading": f"{NUMBERS[n] + '、' if numbered else ''}{city}{title}",
                "count": len(rows),
                "rows": list_rows(rows),
            }
            for n, (title, rows) in enumerate(titled)
        ],
        "start": first,
        "end": last,
        "working_days": settings.notice.working_days,
        "period": f"公示期为{chinese_date(first)}至{chinese_date(last)}（{settings.notice.working_days}个工作日）。",
        "objection": f"公示期间，如有异议，请以书面形式向{programme.contact['office']}反映。反映情况应实事求是，"
        "并署真实姓名、工作单位和联系方式；匿名或无具体事实的不予受理。",
        "contact": programme.contact,
        "issuer": programme.issuer,
        "issued": first,
    }
    return Document(context, warnings=warnings)
