"""The year's figures in the summary's own phrasing (docs/rules.md#documents): titles by district and
community type, 未通过 by reason, the review process with its real numbers, activities per type in
the type's unit ("培训9批536人次", "宣传海报2批4万张"), the money and the trend over past years.

Every name comes from the programme (its titles, payers, activity types and units): nothing here
knows which programme it is writing for. A count nobody gave is said to be unknown, never 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pandas as pd

from greencomm.check.reviews import recused
from greencomm.judge.results import Results
from greencomm.judge.scoring import REVIEW
from greencomm.judge.shortlist import DEMONSTRATION, FAILED, ONSITE, PENDING
from greencomm.judge.titles import current_titles, holding
from greencomm.programme.layouts import REVOKED
from greencomm.programme.rubric import fmt
from greencomm.programme.settings import PEOPLE
from greencomm.read.names import name_key
from greencomm.write.jinja import capital_yuan

WAN = 10_000
CITY_OFFICE = "市创建办"  # the city's creation office, as the scheme and the 公示 call it
TOTAL = "合计"


def rate(part: int, whole: int) -> str:
    return f"{Decimal(part * 100) / Decimal(whole):.1f}%" if whole else "—"


def amount(n: int) -> str:
    """A count as people write it: 4万 for 40,000 and 1.5万 for 15,000 (round thousands from ten
    thousand up), every other number in figures."""
    if n >= WAN and n % 1000 == 0:
        return f"{Decimal(n) / WAN:f}万"
    return str(n)


def joined(parts: Iterable[str], sep: str = "、") -> str:
    return sep.join(p for p in parts if p)


# ---------------------------------------------------------------- titles
def titled_statuses(results: Results) -> list[str]:
    """The statuses that are titles: the demonstration title first in a two-tier programme."""
    return [DEMONSTRATION, results.programme.title] if results.programme.two_tier else [results.programme.title]


def titles_are_final(results: Results) -> bool:
    """命名, not 拟命名 (docs/rules.md#register): the register given holds this year's titles (有效)
    for every titled community, i.e. `register add` has been run on this year's lists."""
    register = results.inputs.register
    titled = results.table[results.table.status.isin(titled_statuses(results))]
    if not results.reviewed or register is None or titled.empty or register.frame.empty:
        return False
    frame = holding(current_titles(register.frame, register.changes))  # a title since revoked is not named
    this_year = frame[frame.year == results.programme.year]
    return set(results.frame.loc[titled.index, "_key"]) <= set(this_year._key)


def title_counts(results: Results) -> list[tuple[str, int]]:
    """(title, count) for each title of the programme, the demonstration title first."""
    programme, statuses = results.programme, Counter(results.table.status)
    out = []
    if programme.demonstration_title is not None:
        out.append((programme.demonstration_title, statuses[DEMONSTRATION]))
    out.append((programme.title, statuses[programme.title]))
    return out


def titles_phrase(results: Results) -> str:
    """市级“节能环保示范社区”20个、“节能环保社区”46个 — every title with its count."""
    return "市级" + joined(f"“{title}”{n}个" for title, n in title_counts(results))


def breakdown(table: pd.DataFrame, key: str, names: list[str], results: Results) -> list[dict[str, Any]]:
    """Applications and titles per district (or community type), the programme's order first, then
    any other name the data holds, then the total."""
    title = results.programme.title
    rows = []
    groups = [*names, *sorted(set(table[key].dropna()) - set(names))]
    for name in [*groups, TOTAL]:
        part = table if name == TOTAL else table[table[key] == name]
        if name != TOTAL and part.empty and name not in names:
            continue
        counts = Counter(part.status)
        titled = sum(counts[s] for s in titled_statuses(results))
        rows.append({
            "name": name, "applied": len(part), "demonstration": counts[DEMONSTRATION], "passed": counts[title],
            "pending": counts[PENDING], "failed": counts[FAILED], "titled": titled, "rate": rate(titled, len(part)),
        })  # fmt: skip
    return rows


def spread(rows: list[dict[str, Any]]) -> str:
    """芙蓉区8个、天心区11个 — the titled count of each group that has any."""
    return joined(f"{r['name']}{r['titled']}个" for r in rows if r["name"] != TOTAL and r["titled"])


# ---------------------------------------------------------------- 未通过 by reason
def failures(results: Results) -> str:
    """Why communities failed, counted per reason: each veto and eligibility code with its name,
    a total below the pass level, not reviewed. A community may have several reasons."""
    programme, table = results.programme, results.table
    failed = table[table.status == FAILED]
    if failed.empty:
        return "本年度没有未通过的申报社区。"
    rubric = programme.rubric
    vetoes = Counter(v for codes in failed.vetoes for v in codes)
    rules = Counter(q for codes in failed.eligibility for q in codes)
    parts = []
    if vetoes:
        each = joined(f"{v.id}“{v.name}”{vetoes[v.id]}个" for v in rubric.vetoes if vetoes[v.id])
        parts.append(f"一票否决的{sum(1 for codes in failed.vetoes if codes)}个（{each}）")
    if rules:
        each = joined(f"{q}“{rubric.eligibility[q].name}”{rules[q]}个" for q in sorted(rules))
        parts.append(f"不符合申报资格的{sum(1 for codes in failed.eligibility if codes)}个（{each}）")
    scored = programme.two_tier or results.reviewed  # a one-tier programme judges scores after review only
    pass_total = programme.levels.pass_total
    below = sum(1 for t in failed.total if Fraction(str(t)) < pass_total) if scored else 0
    if below:
        parts.append(f"总分低于{fmt(pass_total)}分的{below}个")
    # Only the eligible are inspected on site in a one-tier programme: "not reviewed" is told of
    # those with no veto and no eligibility failure, the others' reason being that failure.
    unreviewed = 0
    if results.reviewed and not programme.two_tier:
        clean = [not v and not e for v, e in zip(failed.vetoes, failed.eligibility, strict=True)]
        unreviewed = int(((failed.review_source != REVIEW) & pd.Series(clean, index=failed.index)).sum())
    if unreviewed:
        parts.append(f"符合条件但未参加现场评审的{unreviewed}个")
    text = f"未通过的{len(failed)}个社区中，" + joined(parts, "；") + "。"
    counted = sum(1 for codes in failed.vetoes if codes) + sum(1 for codes in failed.eligibility if codes)
    if counted + below + unreviewed > len(failed):
        text += "部分社区同时有多项原因。"
    return text


# ---------------------------------------------------------------- the review process
def review_process(results: Results, final: bool) -> str:
    """From applications to the list, with the year's real numbers: districts, applications,
    communities eligible with no veto, those reviewed on site, reviewers, recusals, review teams
    (when the sheets show teams: reviewers sharing one set of communities, the sets apart)."""
    programme, table = results.programme, results.table
    districts = [d for d in programme.settings.districts if (table.district == d).any()]
    applied = (
        f"全市{len(districts)}个区按照“市、区、街道三级联动，自下而上逐级推荐”的原则，共推荐申报社区{len(table)}个"
    )
    demo = programme.demonstration_title
    if demo is not None:
        applied += f"，其中申报“{demo}”的{int((table.target == demo).sum())}个"
    clean = int(sum(1 for v, e in zip(table.vetoes, table.eligibility, strict=True) if not v and not e))
    text = f"{applied}。{CITY_OFFICE}对申报材料逐一审核、评分，{clean}个社区符合申报资格且无一票否决事项。"
    if not results.reviewed:
        onsite = int((table.status == ONSITE).sum())
        return text + f"其中{onsite}个社区推荐现场评审，现场评审尚未进行。"
    return text + _on_site(results) + _decided(results, final)


def _on_site(results: Results) -> str:
    reviews = results.inputs.reviews
    reviewed = int((results.table.review_source == REVIEW).sum())
    if reviews is None or reviews.frame.empty:
        return f"{reviewed}个社区参加现场评审。"
    frame = reviews.frame[reviews.frame.reviewer.notna()]
    who = frame.reviewer.map(name_key)
    city = name_key(results.programme.settings.review.city_level)
    city_experts = who[frame.reviewer_district.map(lambda d: name_key(d or "")) == city].nunique()
    experts = f"{who.nunique()}位专家" + (f"（其中{results.programme.settings.review.city_level}专家{city_experts}位）"
                                          if city_experts else "")  # fmt: skip
    recusals = int(recused(frame, results.programme).sum())
    recusal = f"专家对本区社区回避评分{recusals}人次" if recusals else "本年度无须回避的情形"
    return f"{experts}{_teams(frame, who)}对{reviewed}个社区进行现场评审并评分；评审实行回避制度，{recusal}。"


def _teams(frame: pd.DataFrame, who: pd.Series) -> str:
    """组成评审组 / 分3个评审组 — only as far as the sheets say: reviewers who scored the same
    communities are one team; teams are told only when their communities do not overlap."""
    sets = frame.groupby(who)._key.agg(frozenset)
    teams = set(sets)
    if len(teams) == 1:
        return "组成评审组"
    overlapping = sum(len(t) for t in teams) != len(frozenset().union(*teams))
    return "" if overlapping else f"分{len(teams)}个评审组"


def _decided(results: Results, final: bool) -> str:
    pending = int((results.table.status == PENDING).sum())
    tie = f"另有{pending}个社区并列，提请领导小组审定" if pending else ""
    if final:
        return "经集体复议和公示，" + joined([f"命名{titles_phrase(results)}", tie], "；") + "。"
    return "经集体复议，" + joined([f"拟命名{titles_phrase(results)}", tie], "；") + "，名单按程序公示。"


# ---------------------------------------------------------------- activities
OTHER = "其他"  # a type for the rest: said as 其他活动
TRAINING_WORDS = ("培训", "交流", "讲座", "讲解", "学习", "观摩", "参观", "研讨", "座谈")


@dataclass(frozen=True)
class Tally:
    """One activity type's batches and count, some batches' count unknown (blank, never 0)."""

    name: str
    unit: str
    batches: int
    count: int
    unknown: int

    def said(self) -> str:
        """培训9批536人次; 宣传海报2批4万张; 交流2批，其中1批人次不详，其余1批40人次."""
        name = f"{self.name}活动" if self.name == OTHER else self.name
        noun = PEOPLE if self.unit == PEOPLE else f"{self.unit}数"
        if not self.unknown:
            return f"{name}{self.batches}批{amount(self.count)}{self.unit}"
        if self.unknown == self.batches:
            return f"{name}{self.batches}批，{noun}不详"
        known = self.batches - self.unknown
        return f"{name}{self.batches}批，其中{self.unknown}批{noun}不详，其余{known}批{amount(self.count)}{self.unit}"


def _counts(acts: pd.DataFrame, unit: str) -> list[int | None]:
    """What is counted of each activity: people (参加人次) for a people type; for a type counted in
    another unit its 数量, else what the 参加人次 column holds (a sheet without a 数量 column)."""
    people = acts.participants.tolist() if "participants" in acts else [None] * len(acts)
    if unit == PEOPLE:
        return [None if p is None or pd.isna(p) else int(p) for p in people]
    things = acts["quantity"].tolist() if "quantity" in acts else [None] * len(acts)
    return [int(t) if t is not None and not pd.isna(t) else (None if p is None or pd.isna(p) else int(p))
            for t, p in zip(things, people, strict=True)]  # fmt: skip


def tallies(acts: pd.DataFrame, results: Results) -> list[Tally]:
    """One Tally per activity type of the programme, in its order."""
    out = []
    for kind in results.programme.settings.activity_types:
        part = acts[acts.type == kind.name] if len(acts) else acts
        counts = _counts(part, kind.unit) if len(part) else []
        known = [c for c in counts if c is not None]
        out.append(Tally(kind.name, kind.unit, len(counts), sum(known), len(counts) - len(known)))
    return out


def is_training(name: str) -> bool:
    """Training and exchange go under 培训交流; every other type under 宣传发动."""
    return any(word in name for word in TRAINING_WORDS)


def _items(found: list[Tally]) -> str:
    """组织培训9批536人次、讲座23批948人次，发放宣传海报2批4万张: events are organised (组织), things
    given out (发放); items are parted by 、, or by ； when one of them says itself with commas."""
    found = [t for t in found if t.batches]
    sep = "；" if any(t.unknown and t.unknown < t.batches for t in found) else "、"
    events = joined((t.said() for t in found if t.unit == PEOPLE), sep)
    things = joined((t.said() for t in found if t.unit != PEOPLE), sep)
    return joined([f"组织{events}" if events else "", f"发放{things}" if things else ""], "，")


def activities(results: Results, training: bool) -> str:
    """The sentence for 宣传发动 (training False) or 培训交流 (True): all types of the group in total,
    then the city office's own (所属区 = the city level, [review] city_level) apart from the
    districts' — the office's workbook of activities alone is credited to the city level."""
    acts = results.activities
    if not len(acts):
        return ""
    acts = acts[acts.type.map(lambda t: t is not None and is_training(str(t)) == training)]
    if acts.empty:
        return ""
    city = name_key(results.programme.settings.review.city_level)
    own = acts.district.map(lambda d: name_key(d or "")) == city
    total, by_city = _items(tallies(acts, results)), _items(tallies(acts[own], results))
    by_districts = _items(tallies(acts[~own], results))
    reporting = acts[~own].district.dropna().nunique()
    if not by_city:
        return f"据{reporting}个区报送的创建活动统计，全年共{total}。"
    if not by_districts:
        return f"全年{CITY_OFFICE}共{total}。"
    return (f"据{CITY_OFFICE}和{reporting}个区报送的创建活动统计，全年共{total}。"
            f"{CITY_OFFICE}{by_city}；各区{by_districts}。")  # fmt: skip


# ---------------------------------------------------------------- the money
def money(results: Results, verb: str) -> tuple[str, list[dict[str, Any]]]:
    """The money per payer and in total, in figures and capital numerals; empty without payers or
    before anyone is to be paid (never 零元)."""
    programme, settings = results.programme, results.programme.settings
    paid = results.money()
    if not settings.payers or not paid["total"]:
        return "", []
    amounts = {p.amount for p in settings.payers}
    names = joined(p.name for p in settings.payers)
    each = joined(f"{p.name}给予{capital_yuan(p.amount)}" for p in settings.payers)
    given = (
        f"由{names}各给予{capital_yuan(settings.payers[0].amount)}资金奖励"
        if len(amounts) == 1
        else f"由{each}资金奖励"
    )
    text = (
        f"对{verb}的{paid['demonstrations']}个“{programme.demonstration_title}”，{given}，"
        f"每个共计{capital_yuan(settings.amount_per_demonstration)}（{settings.amount_per_demonstration:,}元），"
        f"从{settings.fund}列支；奖励资金合计{paid['total']:,}元（{capital_yuan(paid['total'])}）。"
    )
    rows = [{"payer": p["payer"], "count": paid["demonstrations"], "per": p["per_community"], "total": p["total"],
             "capital": capital_yuan(p["total"])} for p in paid["payers"]]  # fmt: skip
    rows.append({"payer": TOTAL, "count": paid["demonstrations"], "per": settings.amount_per_demonstration,
                 "total": paid["total"], "capital": capital_yuan(paid["total"])})  # fmt: skip
    return text, rows


# ---------------------------------------------------------------- the trend
def trend(results: Results, final: bool) -> tuple[list[dict[str, Any]], str]:
    """Titles per year from the register (revoked ones left out), this year's from the results
    while the register does not hold them yet. A trend needs two years or more: else one sentence."""
    programme = results.programme
    year, title, demo = programme.year, programme.title, programme.demonstration_title
    per_year: dict[int, Counter[str]] = {}
    register = results.inputs.register
    revoked: Counter[int] = Counter()  # titles revoked since, by the year they were named: counted apart
    if register is not None and len(register.frame):
        current = current_titles(register.frame, register.changes)  # each title's status now
        valid = holding(current)
        revoked.update(int(y) for y in current.year[current.state == REVOKED] if y is not None)
        for y, named in zip(valid.year, valid.title, strict=True):
            if y is not None and named is not None:
                per_year.setdefault(int(y), Counter())[named] += 1
    if year not in per_year:
        per_year[year] = Counter(dict(title_counts(results)))
    rows = [{"year": y, "demonstration": c[demo] if demo else 0, "passed": c[title],
             "total": (c[demo] if demo else 0) + c[title]} for y, c in sorted(per_year.items())]  # fmt: skip
    if len(rows) < 2:
        why = "未提供历年命名名录" if register is None else "历年命名名录中没有往年的有效称号"
        return rows, f"{why}，暂无历年对比。"
    years = [r["year"] for r in rows]
    span = (
        f"{years[0]}年至{years[-1]}年"
        if years == list(range(years[0], years[-1] + 1))
        else joined(f"{y}年" for y in years)
    )
    counts = [f"{r['total']}个" for r in rows]
    each = f"{joined(counts[:-1])}和{counts[-1]}"
    proposed = "" if final or year not in years else f"（{year}年为拟命名）"
    overall = sum(r["total"] for r in rows)
    text = f"历年命名情况（不含已撤销称号）：{span}分别命名{each}{proposed}，{years[0]}年以来累计{overall}个。"
    if revoked:
        each_year = joined(f"{y}年{n}个" for y, n in sorted(revoked.items()))
        text += f"另有{sum(revoked.values())}个称号已撤销（{each_year}），不计入以上数字。"
    return rows, text
