"""Stage 2, check: typed frames → problems. Pure rules over rows already read (no file is opened
here), so each is tested on a small DataFrame.

`check_inputs` gives every problem of a run's inputs — the reading's own and the rules' — and the
eligibility facts the judge goes on from, so no rule is worked out twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from greencomm.check.cells import cells_of
from greencomm.check.duplicates import duplicate_communities, duplicate_reviews
from greencomm.check.duplicates import duplicate_register_entries as duplicate_register_entries  # for the API
from greencomm.check.eligibility import Eligibility, eligibility_problems
from greencomm.check.eligibility import eligibility as eligibility_facts  # the name `eligibility` is the submodule's
from greencomm.check.resubmissions import superseded
from greencomm.check.reviews import check_reviews
from greencomm.check.submissions import check_activities, check_communities
from greencomm.check.titles import change_problems, current_titles
from greencomm.problems import Problem
from greencomm.programme import Programme
from greencomm.read.inputs import Inputs, sort_problems


@dataclass
class Checked:
    """Every problem of the inputs, sorted by place; the facts of eligibility; and what is set aside
    and not judged: the rows of workbooks a district replaced, and later copies of a community."""

    problems: list[Problem]
    eligibility: Eligibility
    set_aside: pd.Index = field(default_factory=lambda: pd.Index([]))  # rows of the submissions frame
    replaced: set[str] = field(default_factory=set)  # workbooks replaced by a newer one of their district

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)


Resubmissions = tuple[pd.Index, set[str], list[Problem]]  # rows set aside, files replaced, a warning per file


def resubmissions(inputs: Inputs) -> Resubmissions:
    """The workbooks a newer one of their district replaced (and their rows, and why): known before
    the rest is checked."""
    return superseded(inputs.submissions)


def check_inputs(inputs: Inputs, programme: Programme, resubmitted: Resubmissions | None = None) -> Checked:
    """Every problem of the inputs; `resubmitted`: their `resubmissions`, when already found."""
    submissions = inputs.submissions
    replaced_rows, replaced, warned = resubmitted or superseded(submissions)
    found = list(warned)
    frame = submissions.frame.drop(replaced_rows) if len(replaced_rows) else submissions.frame  # no copy for nothing
    found += [p for p in submissions.problems if p.file not in replaced]  # a replaced workbook no longer counts
    found += check_communities(frame, submissions, programme, cells_of(found))
    activities = inputs.activities
    if len(activities):
        activities = activities[~activities._file.isin(replaced)]
    found += check_activities(activities, submissions, programme)
    duplicates, later_copies = duplicate_communities(frame, submissions)
    found += duplicates
    held = inputs.register
    # Q3 goes by each title's current status, 状态变更记录 applied (docs/rules.md#register)
    register = current_titles(held.frame, held.changes) if held is not None else None
    facts = eligibility_facts(frame, programme, register)
    found += eligibility_problems(frame, submissions, programme, facts, cells_of(found))
    if inputs.reviews is not None:
        found += check_reviews(inputs.reviews, programme, frame)
        found += duplicate_reviews(inputs.reviews)
    if inputs.register is not None:
        found += inputs.register.problems + duplicate_register_entries(inputs.register)
        found += change_problems(inputs.register)
    if inputs.objections is not None:  # which community each names is judged with the lists (judge/objections.py)
        found += inputs.objections.problems
    return Checked(sort_problems(found), facts, replaced_rows.append(later_copies), replaced)
