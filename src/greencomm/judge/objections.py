"""Objections raised during the 公示 (docs/rules.md#objections): an upheld one (结论 成立) withdraws
the community's proposed title, with its finding as the reason; a dismissed one (不成立) changes
nothing but is counted in the naming decision. An objection must name a community on the proposed
lists (示范社区, 待审定 or the title): any other is an error at its cell, for the clerk to correct.

Whether a freed 示范 place goes to the next in order is the settings' `[quotas] refill`; the
refill itself is the ordinary cut of judge/shortlist.py over those left in the running."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from greencomm.judge.shortlist import DEMONSTRATION, PENDING
from greencomm.problems import Problem
from greencomm.programme import Programme
from greencomm.programme.layouts import UPHELD
from greencomm.read.inputs import Part


@dataclass
class Hearing:
    """The objections matched to the communities they name."""

    withdrawn: dict[object, str] = field(default_factory=dict)  # row of the community → the finding
    upheld: int = 0
    dismissed: int = 0
    problems: list[Problem] = field(default_factory=list)


def _finding(note: object) -> str:
    text = str(note).strip() if isinstance(note, str) else ""
    return f"公示期间异议经核查成立{'：' + text if text else ''}"


def hear(objections: Part, frame: pd.DataFrame, status: pd.Series, programme: Programme) -> Hearing:
    """Each objection's community among `frame`'s rows (by district and name key, the community
    key of read/names.py) and its effect; `status` is the lists before any objection."""
    proposed = {DEMONSTRATION, PENDING, programme.title}
    rows = {(d, c): n for n, d, c in zip(frame.index, frame._district_key, frame._key, strict=True)}
    hearing = Hearing()
    for row in objections.frame.to_dict("records"):
        place = objections.address(row["_file"], row["_sheet"], "community", row["_row"])
        found = rows.get((row["_district_key"], row["_key"]))
        if found is None or status[found] not in proposed:
            named = " ".join(str(row[k]) for k in ("district", "community") if row[k])
            problem = Problem("objection-not-on-list", row["_file"], row["_sheet"], place, field="社区名称",
                              value=row["community"], params={"community": named})  # fmt: skip
            hearing.problems.append(problem)
            continue
        if row["verdict"] == UPHELD:
            hearing.upheld += 1
            hearing.withdrawn.setdefault(found, _finding(row["note"]))
        elif row["verdict"] is not None:  # a finding that is neither is an error at its cell already
            hearing.dismissed += 1
    return hearing
