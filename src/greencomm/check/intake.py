"""The intake desk (docs/rules.md#intake): which of the programme's districts have sent their
workbooks, which have not, and when. Every programme district is listed, in the settings' order:
received — its workbooks, their 填报日期, its communities, late or not — or nothing received, a
warning naming it (`district-not-received`), never silence.

A workbook is a district's by the one rule for that (read.names.workbook_district): the district
most of its rows name, else the one its file name carries. A workbook's 填报日期 is the latest in
it (as the resubmission rule reads it); it is late when that is after the deadline. A district's
communities are its workbooks' rows that count: not replaced by a newer workbook, not a later copy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from greencomm.problems import Problem
from greencomm.programme import Programme
from greencomm.read.inputs import Part
from greencomm.read.names import workbook_district


@dataclass(frozen=True)
class Received:
    """One workbook as the intake desk sees it."""

    file: str
    district: str  # as the settings spell it; "" when it is no programme district's
    rows: int  # communities read from it
    communities: int  # of those, the ones that count
    fill_date: dt.date | None  # the latest 填报日期 in it; None when none is given
    late: bool
    replaced: bool  # by a newer workbook of its district

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "fill_date": self.fill_date.isoformat() if self.fill_date else None,
                "communities": self.communities, "rows": self.rows, "late": self.late,
                "replaced": self.replaced}  # fmt: skip


@dataclass(frozen=True)
class DistrictIntake:
    """One programme district: its workbooks (none when nothing was received)."""

    district: str
    files: tuple[Received, ...]

    @property
    def received(self) -> bool:
        return bool(self.files)

    @property
    def counting(self) -> list[Received]:
        return [f for f in self.files if not f.replaced]

    @property
    def communities(self) -> int:
        return sum(f.communities for f in self.counting)

    @property
    def fill_date(self) -> dt.date | None:
        """The latest 填报日期 of the workbooks that count."""
        return max((f.fill_date for f in self.counting if f.fill_date is not None), default=None)

    @property
    def late(self) -> bool:
        return any(f.late for f in self.counting)

    def to_dict(self) -> dict[str, Any]:
        day = self.fill_date
        return {"district": self.district, "received": self.received, "communities": self.communities,
                "fill_date": day.isoformat() if day else None, "late": self.late,
                "files": [f.to_dict() for f in self.files]}  # fmt: skip


@dataclass
class Intake:
    """Every programme district in the settings' order; the workbooks that are none of theirs
    (the city office's own 创建活动, a district outside the programme); a warning per district
    not received."""

    deadline: dt.date
    districts: list[DistrictIntake]
    other_files: list[Received] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def not_received(self) -> list[str]:
        return [d.district for d in self.districts if not d.received]

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "deadline": self.deadline.isoformat(),
            "received": sum(d.received for d in self.districts),
            "not_received": self.not_received,
            "districts": [d.to_dict() for d in self.districts],
            "other_files": [f.to_dict() for f in self.other_files],
            "problems": [p.to_dict(lang) for p in self.problems],
        }


def intake(part: Part, set_aside: pd.Index, replaced: set[str], programme: Programme) -> Intake:
    """Who sent what, from the submissions as read and what the checks set aside."""
    settings = programme.settings
    deadline = settings.submission_deadline
    frame = part.frame
    counts = frame.index.isin(set_aside)
    by_file = {str(f): rows for f, rows in frame.groupby("_file", sort=False).groups.items()} if len(frame) else {}
    workbooks = []
    for path in part.files:
        rows = by_file.get(path.name, pd.Index([]))
        own = frame.loc[rows]
        dates = [d for d in own.fill_date.tolist() if isinstance(d, dt.date)] if len(own) else []
        latest = max(dates, default=None)
        workbooks.append(Received(
            file=path.name,
            district=workbook_district(own.district if len(own) else [], settings.districts, path.name),
            rows=len(own),
            communities=int((~counts[frame.index.get_indexer(rows)]).sum()) if len(own) else 0,
            fill_date=latest,
            late=latest is not None and latest > deadline,
            replaced=path.name in replaced,
        ))  # fmt: skip
    districts = [DistrictIntake(d, tuple(w for w in workbooks if w.district == d)) for d in settings.districts]
    problems = [
        Problem("district-not-received", field="所属区", value=d.district,
                params={"district": d.district, "deadline": deadline.isoformat()})
        for d in districts
        if not d.received
    ]  # fmt: skip
    return Intake(deadline, districts, [w for w in workbooks if not w.district], problems)
