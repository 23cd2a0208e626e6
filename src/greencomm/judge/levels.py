"""The two levels (docs/rules.md#levels): who meets the 节能环保社区 level, and who is a candidate
for 示范社区. Scores are compared in whole cents, exactly."""

from __future__ import annotations

import math
from fractions import Fraction

import pandas as pd

from greencomm.check.eligibility import TitleBlocks, applies_for_demonstration
from greencomm.judge.scoring import Scores
from greencomm.programme import Programme


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
    category ≥ 60% of its maximum (exactly 60% is enough). In a one-tier programme, a candidate for
    the on-site review: eligible, no veto."""
    if not programme.two_tier:  # every eligible applicant with no veto is reviewed on site
        return _empty(veto) & _empty(eligibility) & ~blocks.pass_title
    levels = programme.levels
    enough = scores.total_cents >= threshold_cents(levels.demonstration_total)
    for cat in programme.rubric.categories:
        enough &= scores.category_cents[cat.id] >= threshold_cents(levels.category_share * cat.max)
    applied = applies_for_demonstration(frame, programme)
    return applied & enough & _empty(veto) & _empty(eligibility) & ~blocks.demonstration
