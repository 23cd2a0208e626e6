"""The spot-check sample (摸底调查及抽查审核, docs/rules.md#spot-checks): a stratified random sample
of the year's applicants, drawn so that anyone holding the same applicants and the same seed draws
the same list (公开公正). Pure: the applicants in, the draw out.

1. **Who can be drawn**: every community that applied and counts (not in a workbook a newer one of
   its district replaced, not a later copy of a community) whose 所属区 is one of the programme's
   districts. Others (Q1: outside the programme) are left out and counted.
2. **Order**: the programme's district order (settings `districts`), then 社区名称 as names are
   compared (NFKC, trimmed: read.names.name_key), by Unicode code point. Neither the order of the
   files nor that of the rows changes anything.
3. **Size**: `count`, or ⌈share × applicants⌉ (share taken as the decimal written, exactly); never
   more than the applicants, never fewer than the districts that have applicants.
4. **Places per district** — largest remainder with one at least: a district's quota is
   size × its applicants ÷ all applicants (exact fractions). Every district whose quota is below
   one gets exactly one, and the rest of the places are shared among the other districts by the
   same rule, until no quota left is below one; those districts get the whole part of their quota,
   and the places still left go one each to the largest fractional parts (equal parts: the district
   first in the programme's order).
5. **Who within a district**: `numpy.random.Generator(numpy.random.PCG64(seed)).random(n)` gives
   one number u in [0, 1) to each of the n applicants, in the order of step 2. Each gets the key
   u^(1/w), w its weight (`weight` for an applicant for the demonstration title, 1 for everyone
   else; Efraimidis and Spirakis' weighted sampling without replacement, which with every w = 1 is
   a simple random sample); a district's places go to its largest keys (equal keys: the earlier
   in step 2's order).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import numpy as np
import pandas as pd

from greencomm.errors import UsageError
from greencomm.problems import Problem
from greencomm.programme import Programme
from greencomm.programme.headers import header_base
from greencomm.programme.layouts import ACTIVITY_SHEET, submission_columns
from greencomm.read.names import name_key, name_keys

SHOWN = ("district", "street", "community", "target")  # what the list shows: the columns that decide who applied
SEED_LIMIT = 1_000_000  # a seed drawn for the clerk is at most six digits: easy to read out and to announce


@dataclass(frozen=True)
class Design:
    """What the clerk asked for."""

    seed: int
    share: Fraction | None = None
    count: int | None = None
    weight: Fraction = Fraction(1)  # of an applicant for the demonstration title

    def __post_init__(self) -> None:
        if (self.share is None) == (self.count is None):
            raise UsageError("请给出 --share（比例）或 --count（个数），二者选一 / give --share or --count, not both")
        if self.share is not None and not 0 < self.share <= 1:
            raise UsageError(f"--share 应在 0 到 1 之间，如 0.2 / --share must be in (0, 1], not {self.share}")
        if self.count is not None and self.count < 1:
            raise UsageError(f"--count 至少为 1 / --count must be at least 1, not {self.count}")
        if self.weight <= 0:
            raise UsageError(f"--weight-demonstration 应大于 0 / must be above 0, not {self.weight}")
        if self.seed < 0:
            raise UsageError(f"--seed 应为非负整数 / --seed must be 0 or more, not {self.seed}")


@dataclass
class Draw:
    """The applicants in drawing order (with each one's number u, weight, key and whether drawn),
    the places per district, and notes for the clerk."""

    design: Design
    applicants: pd.DataFrame
    counts: dict[str, int]  # applicants per programme district, in the programme's order
    places: dict[str, int]  # drawn per programme district
    size: int
    left_out: int = 0  # applicants outside the programme's districts
    notes: list[str] = field(default_factory=list)

    @property
    def drawn(self) -> pd.DataFrame:
        """The list, in drawing order (district, then name)."""
        return self.applicants[self.applicants.drawn]


def fraction(text: str | float) -> Fraction:
    """A share or weight as the decimal written — 0.2 is exactly 1/5, never the binary float near
    it — or as a percentage (20%)."""
    written = str(text).strip()
    percent = written.endswith(("%", "％"))
    try:
        value = Fraction(Decimal(written.rstrip("%％")))
    except (InvalidOperation, ValueError, OverflowError):
        raise UsageError(f"应为数字，如 0.2 或 20% / must be a number like 0.2 or 20%, not {text!r}") from None
    return value / 100 if percent else value


def blocking(problems: Sequence[Problem], programme: Programme) -> list[Problem]:
    """The errors that change who applied: a file, sheet or column not read (an error with no cell)
    and a wrong cell of a column the list shows (所属区, 所属街道, 社区名称, 申报类别; a duplicate is
    one). Errors of other cells (a percentage, a phone number) and of the 创建活动 sheet do not."""
    shown = {c.header for c in submission_columns(programme) if c.key in SHOWN}
    activity = header_base(ACTIVITY_SHEET)
    return [p for p in problems if p.is_error and header_base(p.sheet) != activity and (not p.cell or p.field in shown)]


def applicants(frame: pd.DataFrame, programme: Programme) -> tuple[pd.DataFrame, int]:
    """The communities that can be drawn, in drawing order (step 2), and how many were left out."""
    order = {name_key(d): n for n, d in enumerate(programme.settings.districts)}
    stratum = name_keys(frame.district).map(order)
    inside = stratum.notna()
    kept = frame.loc[inside, list(SHOWN)].assign(
        _stratum=stratum[inside].astype(int),
        _name=name_keys(frame.community[inside]),
        _district=[programme.settings.districts[int(n)] for n in stratum[inside]],
    )
    ordered = kept.sort_values(["_stratum", "_name"], kind="mergesort").reset_index(drop=True)
    return ordered, int((~inside).sum())


def sample_size(design: Design, total: int, strata: int) -> tuple[int, list[str]]:
    """Step 3: the places to draw, with a note when a bound changed what was asked for."""
    asked = design.count if design.count is not None else math.ceil((design.share or Fraction(0)) * total)
    size, notes = asked, []
    if size > total:
        size = total
        notes.append(f"申报社区只有 {total} 个，全部抽取 / only {total} applicants: all are drawn")
    if size < strata:
        size = strata
        notes.append(f"每个有申报的区至少抽取 1 个：样本由 {asked} 个增至 {strata} 个"
                     f" / at least one per district with applicants: {asked} raised to {strata}")  # fmt: skip
    return size, notes


def allocate(counts: dict[str, int], size: int) -> dict[str, int]:
    """Step 4: places per district, largest remainder with one at least for a district with
    applicants. `counts` is in the programme's order, which breaks ties; `size` is at most the
    applicants and at least the districts that have any."""
    places = {d: 0 for d in counts}
    left = {d: n for d, n in counts.items() if n > 0}
    seats = size
    while True:  # a district whose quota is below one gets one, and the others share the rest
        total = sum(left.values())
        small = [d for d, n in left.items() if Fraction(seats * n, total) < 1]
        if not small:
            break
        for d in small:
            places[d] = 1
            del left[d]
        seats -= len(small)
    if not left:
        return places
    total = sum(left.values())
    quotas = {d: Fraction(seats * n, total) for d, n in left.items()}
    for d, q in quotas.items():
        places[d] = math.floor(q)
    rest = seats - sum(places[d] for d in left)
    by_part = sorted(left, key=lambda d: -(quotas[d] - math.floor(quotas[d])))  # stable: the programme's order
    for d in by_part[:rest]:
        places[d] += 1
    return places


def weighable(design: Design, programme: Programme) -> None:
    """A weight is for the demonstration title: a one-tier programme has none to weight."""
    if design.weight != 1 and programme.demonstration_title is None:
        raise UsageError(f"{programme.title}只有一级称号，没有示范社区，--weight-demonstration 无从加权"
                         " / a one-tier programme has no demonstration title to weight")  # fmt: skip


def draw(frame: pd.DataFrame, programme: Programme, design: Design) -> Draw:
    """Steps 1–5 on the communities that count (the submissions frame, rows set aside removed)."""
    weighable(design, programme)
    demonstration = programme.demonstration_title
    ordered, left_out = applicants(frame, programme)
    counts = {d: int((ordered._district == d).sum()) for d in programme.settings.districts}
    size, notes = sample_size(design, len(ordered), sum(n > 0 for n in counts.values()))
    places = allocate(counts, size) if len(ordered) else dict.fromkeys(counts, 0)
    u = np.random.Generator(np.random.PCG64(design.seed)).random(len(ordered))
    weight = np.where(ordered.target.to_numpy(dtype=object) == demonstration, float(design.weight), 1.0)
    ordered = ordered.assign(u=u, weight=weight, key=u ** (1.0 / weight))
    drawn = pd.Series(False, index=ordered.index)
    for district, group in ordered.groupby("_district", sort=False):
        ranked = group.sort_values("key", ascending=False, kind="mergesort")  # equal keys: the earlier first
        drawn[ranked.index[: places[str(district)]]] = True
    if left_out:
        notes.append(f"{left_out} 个社区的所属区不在本市创建范围内，不参加抽取"
                     f" / {left_out} communities outside the programme's districts are not drawn from")  # fmt: skip
    return Draw(design, ordered.assign(drawn=drawn), counts, places, size, left_out, notes)
