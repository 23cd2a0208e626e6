"""The programme's judgements on a community: veto items (一票否决), eligibility (资格 Q1–Q4) and
the two levels, all read from the rubric and the settings."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from greencomm.judge.scoring import Scores
from greencomm.programme.layouts import DEMO_TITLE, Programme, column_for_header, submission_columns
from greencomm.programme.rubric import Veto
from greencomm.read.values import map_unique, name_key

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
    """The failed veto codes of every row (a blank or wrong cell triggers nothing: it is an error).
    Each distinct (value, other value) pair is compared once, exactly."""
    failed: list[tuple[str, np.ndarray]] = []
    for veto in programme.rubric.vetoes:
        left = frame[_veto_column(veto, programme, veto.field)]
        if veto.other is not None:
            right = frame[_veto_column(veto, programme, veto.other)]
            pairs = pd.Series(list(zip(left.tolist(), right.tolist(), strict=True)), index=frame.index, dtype=object)
            hit = map_unique(pairs, partial(_holds, OPS[veto.op]))
        else:
            hit = map_unique(left, partial(_holds_against, OPS[veto.op], veto.value))
        failed.append((veto.id, hit.to_numpy(dtype=bool)))
    hits = np.vstack([h for _, h in failed]) if failed else np.zeros((0, len(frame)), dtype=bool)
    out: list[list[str]] = [[] for _ in range(len(frame))]
    for n in np.flatnonzero(hits.any(axis=0)).tolist():
        out[n] = [code for (code, _), hit in zip(failed, hits[:, n], strict=True) if hit]
    return pd.Series(out, index=frame.index, dtype=object)


def _holds_against(op: Callable[[Any, Any], bool], fixed: Any, value: Any) -> bool:
    return _holds(op, (value, fixed))


def _holds(op: Callable[[Any, Any], bool], pair: tuple[Any, Any]) -> bool:
    a, b = _comparable(pair[0]), _comparable(pair[1])
    return a is not None and b is not None and bool(op(a, b))


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

    def judge(titles: list[tuple[int, str]]) -> tuple[bool, bool, str]:
        return _blocks(titles, year, window)

    claimed = pd.Series(list(zip(frame.city_title.tolist(), frame.city_title_year.tolist(), strict=True)),
                        index=frame.index, dtype=object)  # fmt: skip
    judged = map_unique(claimed, lambda ty: judge([(int(ty[1]), str(ty[0]))] if ty[0] not in (None, "无")
                                                  and ty[1] is not None else []))  # fmt: skip
    disagree: list[tuple[Any, str, str]] = []
    if register is not None:
        valid = register[register.state == VALID].dropna(subset=["year", "district", "community", "title"])
        held: dict[tuple[str, str], list[tuple[int, str]]] = {}
        for r in valid.itertuples(index=False):
            held.setdefault((name_key(r.district), name_key(r.community)), []).append((int(str(r.year)), str(r.title)))
        keys = pd.Series(list(zip(frame._district_key.fillna("").tolist(), frame._community_key.fillna("").tolist(),
                                  strict=True)), index=frame.index, dtype=object)  # fmt: skip
        from_register = map_unique(keys, lambda k: judge(held.get(k, [])))
        differs = [b[:2] != r[:2] for b, r in zip(judged.tolist(), from_register.tolist(), strict=True)]
        for idx in frame.index[np.asarray(differs, dtype=bool)]:
            disagree.append((idx, judged[idx][2] or "无", from_register[idx][2] or "无"))
        judged = from_register
    triples = judged.tolist()
    return TitleBlocks(
        demonstration=pd.Series([j[0] for j in triples], index=frame.index, dtype=bool),
        pass_title=pd.Series([j[1] for j in triples], index=frame.index, dtype=bool),
        held=pd.Series([j[2] for j in triples], index=frame.index, dtype=object),
        disagree=disagree,
    )


def base_eligibility(frame: pd.DataFrame, programme: Programme) -> pd.Series:
    """Q1, Q2 and Q4 of every row (Q3 depends on the title under consideration: see shortlist).
    Judged once per distinct (district, year, opinion)."""
    districts = {name_key(d) for d in programme.settings.districts}
    year = programme.year
    recommend = programme.rubric.recommend_value

    def codes(facts: tuple[Any, Any, Any]) -> list[str]:
        d, y, r = facts
        return [
            code
            for code, failed in (("Q1", d is None or d not in districts), ("Q2", y is None or y > year),
                                 ("Q4", r != recommend))
            if failed
        ]  # fmt: skip

    facts = pd.Series(
        list(zip(frame._district_key.tolist(), frame.district_title_year.tolist(), frame.recommendation.tolist(),
                 strict=True)), index=frame.index, dtype=object,
    )  # fmt: skip
    return map_unique(facts, codes)


def _empty(lists: pd.Series) -> pd.Series:
    return pd.Series([not v for v in lists.tolist()], index=lists.index, dtype=bool)


def threshold_cents(level: Fraction) -> int:
    """The least whole number of cents that reaches `level` points (so ≥ compares exactly)."""
    return math.ceil(level * 100)


def meets_pass_level(
    scores: Scores, veto: pd.Series, eligibility: pd.Series, blocks: TitleBlocks, programme: Programme
) -> pd.Series:
    """节能环保社区: eligible (Q3 judged for this title), no veto, total ≥ 80."""
    enough = scores.total_cents >= threshold_cents(programme.levels.pass_total)
    return enough & _empty(veto) & _empty(eligibility) & ~blocks.pass_title


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
