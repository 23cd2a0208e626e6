"""The programme's judgements on a community: veto items (一票否决), eligibility (资格 Q1–Q4) and
the two levels, all read from the rubric and the settings."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import pandas as pd

from greencomm.rubric import Veto
from greencomm.schema import DEMO_TITLE, Programme, column_for_header, submission_columns
from greencomm.scoring import Scores
from greencomm.values import name_key

OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
VALID = "有效"


def _comparable(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    return Fraction(value)


def _veto_column(veto: Veto, programme: Programme, name: str) -> str:
    col = column_for_header(submission_columns(programme), name)
    if col is None:
        raise KeyError(f"veto {veto.id}: no column {name!r}")
    return col.key


def vetoes(frame: pd.DataFrame, programme: Programme) -> pd.Series:
    """The failed veto codes of every row (a blank or wrong cell triggers nothing: it is an error)."""
    out: list[list[str]] = [[] for _ in range(len(frame))]
    for veto in programme.rubric.vetoes:
        left = frame[_veto_column(veto, programme, veto.field)].map(_comparable).tolist()
        if veto.other is not None:
            right = frame[_veto_column(veto, programme, veto.other)].map(_comparable).tolist()
        else:
            right = [_comparable(veto.value) if not isinstance(veto.value, bool) else veto.value] * len(frame)
        for n, (a, b) in enumerate(zip(left, right, strict=True)):
            if a is not None and b is not None and OPS[veto.op](a, b):
                out[n].append(veto.id)
    return pd.Series(out, index=frame.index, dtype=object)


@dataclass
class TitleBlocks:
    """Q3: which titles a community cannot receive this year because of a recent city title."""

    demonstration: pd.Series  # bool: blocked for 示范社区
    pass_title: pd.Series  # bool: blocked for 节能环保社区
    held: pd.Series  # str: the title held, in words, for reasons ("2025年节能环保社区")
    disagree: list[tuple[Any, str, str]]  # row, workbook's title, register's title (a warning)


def _blocks(titles: list[tuple[int, str]], year: int, window: int) -> tuple[bool, bool, str]:
    recent = [(y, t) for y, t in titles if 0 <= year - y < window]
    demo = any(t == DEMO_TITLE for _, t in recent)
    held = "、".join(f"{y}年{t}" for y, t in sorted(recent))
    return demo, bool(recent), held


def title_blocks(frame: pd.DataFrame, programme: Programme, register: pd.DataFrame | None) -> TitleBlocks:
    """A city title awarded in year Y counts while year − Y < 3. 示范社区 blocks both titles; 节能环保社区
    blocks 节能环保社区 only. The register, when given, is authoritative (a 撤销 entry blocks nothing)
    and a disagreement with the workbook's columns is a warning."""
    year, window = programme.year, programme.rubric.repeat_years
    from_book = [
        [(int(y), str(t))] if t not in (None, "无") and y is not None else []
        for t, y in zip(frame.city_title, frame.city_title_year, strict=True)
    ]
    sources = from_book
    disagree: list[tuple[Any, str, str]] = []
    if register is not None:
        valid = register[register.state == VALID].dropna(subset=["year", "district", "community", "title"])
        held: dict[tuple[str, str], list[tuple[int, str]]] = {}
        for r in valid.itertuples(index=False):
            held.setdefault((name_key(r.district), name_key(r.community)), []).append((int(str(r.year)), str(r.title)))
        sources = [
            held.get((name_key(d or ""), name_key(c or "")), [])
            for d, c in zip(frame.district, frame.community, strict=True)
        ]
        for n, idx in enumerate(frame.index):
            book, reg = _blocks(from_book[n], year, window), _blocks(sources[n], year, window)
            if book[:2] != reg[:2]:
                disagree.append((idx, book[2] or "无", reg[2] or "无"))
    judged = [_blocks(s, year, window) for s in sources]
    return TitleBlocks(
        demonstration=pd.Series([j[0] for j in judged], index=frame.index, dtype=bool),
        pass_title=pd.Series([j[1] for j in judged], index=frame.index, dtype=bool),
        held=pd.Series([j[2] for j in judged], index=frame.index, dtype=object),
        disagree=disagree,
    )


def base_eligibility(frame: pd.DataFrame, programme: Programme) -> pd.Series:
    """Q1, Q2 and Q4 of every row (Q3 depends on the title under consideration: see shortlist)."""
    districts = {name_key(d) for d in programme.settings.districts}
    year = programme.year
    recommend = programme.rubric.recommend_value
    out = []
    for d, y, r in zip(frame.district, frame.district_title_year, frame.recommendation, strict=True):
        codes = []
        if d is None or name_key(d) not in districts:
            codes.append("Q1")
        if y is None or y > year:
            codes.append("Q2")
        if r != recommend:
            codes.append("Q4")
        out.append(codes)
    return pd.Series(out, index=frame.index, dtype=object)


def threshold_cents(level: Fraction) -> int:
    """The least whole number of cents that reaches `level` points (so ≥ compares exactly)."""
    return math.ceil(level * 100)


def meets_pass_level(
    scores: Scores, veto: pd.Series, eligibility: pd.Series, blocks: TitleBlocks, programme: Programme
) -> pd.Series:
    """节能环保社区: eligible (Q3 judged for this title), no veto, total ≥ 80."""
    enough = scores.total_cents >= threshold_cents(programme.levels.pass_total)
    return enough & veto.map(len).eq(0) & eligibility.map(len).eq(0) & ~blocks.pass_title


def is_candidate(
    frame: pd.DataFrame,
    scores: Scores,
    veto: pd.Series,
    eligibility: pd.Series,
    blocks: TitleBlocks,
    programme: Programme,
) -> pd.Series:
    """示范社区 candidate: applied for 示范, eligible (Q3 judged for 示范), no veto, total ≥ 90, every
    category ≥ 60% of its maximum (exactly 60% is enough)."""
    levels = programme.levels
    enough = scores.total_cents >= threshold_cents(levels.demonstration_total)
    for cat in programme.rubric.categories:
        enough &= scores.category_cents[cat.id] >= threshold_cents(levels.category_share * cat.max)
    return (
        (frame.target == DEMO_TITLE) & enough & veto.map(len).eq(0) & eligibility.map(len).eq(0) & ~blocks.demonstration
    )
