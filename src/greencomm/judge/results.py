"""Points, vetoes, eligibility, ranks and statuses of every community, from the inputs as read and
checked: what score, rank and shortlist show, each in its own workbook, and what the documents are
written from (docs/rules.md#levels, #ordering).
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from greencomm.check import Checked
from greencomm.errors import UsageError
from greencomm.judge import cents
from greencomm.judge.cents import Exact
from greencomm.judge.levels import is_candidate, meets_pass_level
from greencomm.judge.lists import text_lists
from greencomm.judge.objections import Hearing, hear
from greencomm.judge.ranking import competition_rank, ordering_keys, pinyin_key, rank_within
from greencomm.judge.reviews import aggregate
from greencomm.judge.scoring import REVIEW, Scores, score_items
from greencomm.judge.shortlist import DEMONSTRATION, FAILED, ONSITE, PENDING, decide, reasons
from greencomm.judge.vetoes import vetoes
from greencomm.problems import Problem
from greencomm.programme import Programme
from greencomm.programme.headers import header_base
from greencomm.programme.layouts import ACTIVITY_SHEET, NOT_JUDGED, submission_columns
from greencomm.read.inputs import Inputs, sort_problems
from greencomm.read.names import name_key
from greencomm.read.tables import Coded


@dataclass
class Results:
    programme: Programme
    reviewed: bool
    inputs: Inputs
    frame: pd.DataFrame  # the typed rows judged (set-aside rows left out), aligned with `table`
    scores: Scores
    table: pd.DataFrame  # one row per community: identity, judgement, rank, status, reasons
    problems: list[Problem] = field(default_factory=list)
    activities: pd.DataFrame = field(default_factory=pd.DataFrame)  # of the workbooks that count
    replaced: set[str] = field(default_factory=set)  # workbooks a newer one of their district replaced
    hearing: Hearing | None = None  # the objections raised during the 公示, when given
    reason_lists: pa.ListArray | None = None  # table.reasons in Arrow, row for row (None: converted when asked)
    # worked out once, when first asked: the rank order, the rows in it, columns of it in Arrow
    _order: pd.Index | None = field(default=None, init=False, repr=False, compare=False)
    _ordered: pd.DataFrame | None = field(default=None, init=False, repr=False, compare=False)
    _arrow: dict[str, pa.Array | None] = field(default_factory=dict, init=False, repr=False, compare=False)
    _arrow_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    @property
    def standing(self) -> pd.DataFrame:
        """The submitted rows that count: every workbook's but those replaced (later copies of a
        community included, to be found again when these results are read back)."""
        return standing(self.inputs, self.replaced)

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)

    def errors_changing_lists(self, activities: bool = False) -> list[Problem]:
        """The errors that change who is on which list (and, with `activities`, the year's
        figures): every error but those in a column no rule reads (联系人, 联系电话, 填报日期 …)
        and, unless asked, those of the 创建活动 sheets."""
        unread = {c.header for c in submission_columns(self.programme) if c.key in NOT_JUDGED}
        activity_sheet = header_base(ACTIVITY_SHEET)

        def changes(p: Problem) -> bool:
            if header_base(p.sheet) == activity_sheet:
                return activities
            return p.field not in unread or not p.cell

        return [p for p in self.problems if p.is_error and changes(p)]

    def ordered(self) -> pd.DataFrame:
        """Rows in rank order; ties in pinyin order of 社区名称 (which decides nothing). Only the
        names of tied rows are put into pinyin: a rank of its own needs none. Taken once (the
        workbook, `--json` and the documents all ask; 100,000 rows are worth not taking thrice):
        read it, never change it."""
        if self._ordered is None:
            self._ordered = self.table.loc[self._rank_order()]
        return self._ordered

    def _rank_order(self) -> pd.Index:
        if self._order is None:
            tied = self.table["rank"].duplicated(keep=False)
            py = pd.Series("", index=self.table.index, dtype=object)
            py[tied] = self.table.community[tied].map(pinyin_key)
            frame = pd.DataFrame({"rank": self.table["rank"], "_py": py})
            self._order = frame.sort_values(["rank", "_py"], kind="mergesort").index
        return self._order

    def in_arrow(self, column: str) -> pa.Array | None:
        """A column of `ordered()` in Arrow, when it holds text (blanks allowed) or lists of text
        (none blank): converted once for every writer — the workbook and `--json` write the same
        names and reasons from two threads, and 100,000 communities' reasons are 350,000 texts to
        convert. Converted in the table's order, then put in rank order by Arrow: Python's texts read
        in rank order are read all over memory, four times slower. None for a column of other values;
        the writers take those as they are."""
        with self._arrow_lock:
            if column not in self._arrow:
                at = pa.array(self.table.index.get_indexer(self._rank_order()))  # one column taken, not the table
                made = self.reason_lists if column == "reasons" else None  # judging made them in Arrow
                made = made if made is not None else _in_arrow(self.table[column].to_numpy())
                self._arrow[column] = None if made is None else made.take(at)
            return self._arrow[column]

    @property
    def confirmed(self) -> pd.DataFrame:
        return self.ordered()[self.table.status == DEMONSTRATION]

    def money(self) -> dict[str, Any]:
        """Money is counted for confirmed 示范社区 only."""
        count = int((self.table.status == DEMONSTRATION).sum())
        payers = [
            {"payer": p.name, "per_community": p.amount, "total": p.amount * count}
            for p in self.programme.settings.payers
        ]
        return {"demonstrations": count, "payers": payers, "total": sum(p["total"] for p in payers)}


def _in_arrow(values: Any) -> pa.Array | None:
    """Text (None, NaN: a blank) or lists of text in Arrow; None for anything else."""
    listed = values.tolist()
    if listed and all(type(v) is list for v in listed):
        return text_lists(listed)
    try:
        return pa.array(values, pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a number, a date, a mix of kinds
        return None


def standing(inputs: Inputs, replaced: set[str], frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """The rows of `frame` (by default the submissions') of every workbook but those `replaced`."""
    frame = inputs.submissions.frame if frame is None else frame
    return frame[~frame._file.isin(replaced)] if replaced and len(frame) else frame


def find_community(results: Results, who: str) -> list[Any]:
    """Rows named by `社区名称` or `所属区 社区名称`; a clear error with near names otherwise."""
    table = results.table
    wanted = name_key(who)
    names = table.community.map(lambda c: name_key(c or ""))
    full = table.district.map(lambda d: name_key(d or "")) + names
    hits = table.index[(names == wanted) | (full == wanted.replace(" ", ""))].tolist()
    if hits:
        return hits
    near = difflib.get_close_matches(wanted, sorted(set(names) | set(full)), n=5)
    hint = f"；相近的名称 / did you mean: {'、'.join(near)}" if near else ""
    raise UsageError(f"找不到社区“{who}” / no community named {who!r}{hint}")


def as_parsed(inputs: Inputs, frame: pd.DataFrame) -> Callable[[str], Exact | None]:
    """A column of `frame` (rows of the submissions) as `Exact`, made from the column as parsed
    (`Part.coded`: kept while nothing has changed a cell of it since) once asked, then kept; None
    for a column not kept so."""
    part = inputs.submissions
    at = part.frame.index.get_indexer(frame.index)  # each row's position among the rows as parsed
    parsed = bool((at >= 0).all())  # every row judged is a row as parsed
    made: dict[str, Exact | None] = {}

    def whole(coded: list[Coded]) -> bool:  # typed values (not free text) for every row as parsed
        rows = [len(form.codes) for form in coded if form.codes is not None and form.uniques is not None]
        return bool(coded) and len(rows) == len(coded) and sum(rows) == len(part.frame)

    def exact(key: str) -> Exact | None:
        if key not in made:
            coded = part.coded.get(key)
            made[key] = cents.as_parsed(coded, at) if parsed and coded is not None and whole(coded) else None
        return made[key]

    return exact


def judge(inputs: Inputs, checked: Checked, programme: Programme) -> Results:
    """Every community judged: points (reviewers' when the review sheets are given), vetoes,
    eligibility with Q3 for the title in play, ranks, status and reasons."""
    frame = inputs.submissions.frame
    if len(checked.set_aside):  # replaced workbooks, later copies
        frame = frame.drop(checked.set_aside)
    problems = list(checked.problems)
    reviewed = inputs.reviews is not None
    aggregated: dict[Any, Any] = {}
    if inputs.reviews is not None:
        aggregated, review_problems = aggregate(inputs.reviews.frame, frame, programme)
        problems += review_problems
    exact = as_parsed(inputs, frame)
    scores = score_items(frame, programme, aggregated, exact)
    veto = vetoes(frame, programme, exact)
    eligibility = checked.eligibility.codes.loc[frame.index]
    blocks = checked.eligibility.blocks.rows(frame.index)
    pass_level = meets_pass_level(scores, veto, eligibility, blocks, programme)
    candidate = is_candidate(frame, scores, veto, eligibility, blocks, programme)
    keys = ordering_keys(
        scores.total_cents,
        scores.category_cents[programme.rubric.ordering_category],
        scores.review_cents,
        frame.district_title_year,
    )
    rank = competition_rank(keys)
    status, _ = decide(frame, scores, rank, candidate, pass_level, reviewed, programme)
    hearing = None
    if inputs.objections is not None:
        if not reviewed:
            raise UsageError("异议在公示期间提出，需要现场评审后的名单：请加上 --reviews / objections need --reviews")
        hearing = hear(inputs.objections, frame, status, programme)
        problems += hearing.problems
        withdrawn = frame.index.isin(list(hearing.withdrawn))
        if withdrawn.any() and programme.settings.quotas.refill:  # the next in order moves up
            kept = pd.Series(~withdrawn, index=frame.index)
            status, _ = decide(frame, scores, rank, candidate & kept, pass_level & kept, reviewed, programme)
        status[withdrawn] = FAILED
    # Q3 is judged for the title in play: 示范 for those still in the running for it.
    in_running = status.isin([DEMONSTRATION, PENDING, ONSITE]) & programme.two_tier
    q3 = blocks.for_title(in_running)
    listed = eligibility.to_numpy(dtype=object).copy()
    for n in np.flatnonzero(np.asarray(q3, dtype=bool)).tolist():  # the few Q3 blocks: the rest stand as they are
        listed[n] = sorted([*listed[n], "Q3"])
    eligibility = pd.Series(listed, index=frame.index, dtype=object)
    told = reasons(frame, scores, status, veto, eligibility, candidate, reviewed, programme, blocks.held)
    why, reason_lists = told.lists, told.arrow
    if hearing is not None and hearing.withdrawn:  # the finding is the reason: it met the level otherwise
        found = hearing.withdrawn
        why = pd.Series([[found[n]] if n in found else r for n, r in why.items()], index=why.index, dtype=object)
        reason_lists = None  # converted from the lists when asked
    flag_over = round(programme.settings.review.self_eval_flag * 100)
    table = pd.DataFrame(
        {
            "district": frame.district,
            "street": frame.street,
            "community": frame.community,
            "community_type": frame.community_type,
            "target": frame.target,
            "total": scores.total,
            "review_subtotal": scores.review_subtotal,
            "review_source": scores.review_source,
            "vetoes": veto,
            "eligibility": eligibility,
            "candidate": candidate,
            "status": status,
            "reasons": why,
            "rank": rank,
            "district_rank": rank_within(keys, frame._district_key),
            "title_held": blocks.held,
            "self_eval_flag": (scores.review_source == REVIEW)
            & ((scores.self_review_cents - scores.review_cents) > flag_over),
            "district_title_year": frame.district_title_year,
        },
        index=frame.index,
    )
    table = pd.concat([table, keys], axis=1)
    activities = standing(inputs, checked.replaced, inputs.activities)
    return Results(
        programme, reviewed, inputs, frame, scores, table, sort_problems(problems), activities, checked.replaced,
        hearing, reason_lists,
    )  # fmt: skip
