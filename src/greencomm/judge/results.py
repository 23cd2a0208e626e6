"""score → rank → shortlist in one pass: the public Python API behind the three commands.

Each later command runs the steps before it, so all three share one result and one JSON shape.
"""

from __future__ import annotations

import contextlib
import difflib
import gc
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from greencomm import __version__
from greencomm.check.eligibility import base_eligibility, is_candidate, meets_pass_level, title_blocks, vetoes
from greencomm.errors import UsageError
from greencomm.judge.ranking import competition_rank, ordering_keys, pinyin_key, rank_within
from greencomm.judge.reviews import aggregate
from greencomm.judge.scoring import REVIEW, Scores, score_items
from greencomm.judge.shortlist import DEMONSTRATION, ONSITE, PENDING, STATUS_ORDER, decide, reasons
from greencomm.problems import Problem
from greencomm.programme.layouts import REGISTER_SHEET, RESULTS_SHEET, REVIEW_SHEET, Programme
from greencomm.read.inputs import ValidationReport, sort_problems, validate, warm_reader
from greencomm.read.values import name_key
from greencomm.read.workbook import expand_inputs, sheet_names


@dataclass
class Results:
    programme: Programme
    reviewed: bool
    report: ValidationReport
    scores: Scores
    table: pd.DataFrame  # one row per community: identity, judgement, rank, status, reasons
    problems: list[Problem] = field(default_factory=list)

    @property
    def frame(self) -> pd.DataFrame:
        return self.report.submissions.frame

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)

    def ordered(self) -> pd.DataFrame:
        """Rows in rank order; ties in pinyin order of 社区名称 (which decides nothing)."""
        return self.table.assign(_py=self.table.community.map(pinyin_key)).sort_values(
            ["rank", "_py"], kind="mergesort"
        )

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


def file_hashes(paths: Iterable[Path]) -> list[dict[str, str]]:
    out = []
    for path in paths:
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        out.append({"file": str(path), "sha256": digest})
    return out


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The pipeline makes a few hundred thousand small containers and leaves no lasting cycles;
    Python's cyclic collector would walk them all in full passes (0.2 s at 100,000 communities)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def evaluate(
    submissions: Iterable[Path],
    programme: Programme,
    reviews: Iterable[Path] | None = None,
    register: Path | None = None,
    password: str | None = None,
) -> Results:
    warm_reader(programme)
    paths = expand_inputs(submissions)
    carried = [p for p in paths if RESULTS_SHEET in sheet_names(p)]
    if carried:  # a workbook of score/rank/shortlist carries its inputs as read
        names = sheet_names(carried[0])
        if reviews is None and REVIEW_SHEET in names:
            reviews = carried
        if register is None and REGISTER_SHEET in names:
            register = carried[0]
    with _collector_paused():
        report = validate(paths, programme, reviews=reviews, register=register, password=password)
        return evaluate_report(report, programme)


def evaluate_report(report: ValidationReport, programme: Programme) -> Results:
    frame = report.submissions.frame
    problems = list(report.problems)
    reviewed = report.reviews is not None
    aggregated: dict[Any, Any] = {}
    if report.reviews is not None:
        aggregated, review_problems = aggregate(report.reviews.frame, frame, programme)
        problems += review_problems
    scores = score_items(frame, programme, aggregated)
    veto = vetoes(frame, programme)
    eligibility = base_eligibility(frame, programme)
    blocks = title_blocks(frame, programme, report.register.frame if report.register is not None else None)
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
    # Q3 is judged for the title under consideration: 示范 for those still in the running for it.
    for_demo = status.isin([DEMONSTRATION, PENDING, ONSITE])
    q3 = blocks.demonstration.where(for_demo, blocks.pass_title)
    eligibility = pd.Series(
        [sorted([*e, "Q3"]) if blocked else e for e, blocked in zip(eligibility, q3, strict=True)],
        index=frame.index,
        dtype=object,
    )
    why = reasons(frame, scores, status, veto, eligibility, candidate, reviewed, programme, blocks.held)
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
    return Results(programme, reviewed, report, scores, table, sort_problems(problems))


def records(results: Results) -> list[dict[str, Any]]:
    """cli.md's JSON shape, one dict per community, in rank order. Scores go out as JSON numbers
    with at most 2 decimals (cents ÷ 100)."""
    ordered = results.ordered()
    scores = results.scores
    at = scores.index.get_indexer(ordered.index)
    items = {i: (scores.cents[i].to_numpy()[at] / 100).tolist() for i in scores.cents.columns}
    cats = {c: (scores.category_cents[c].to_numpy()[at] / 100).tolist() for c in scores.category_cents.columns}
    total = (scores.total_cents.to_numpy()[at] / 100).tolist()
    review = (scores.review_cents.to_numpy()[at] / 100).tolist()
    files = results.frame["_file"].to_numpy()[at].tolist()
    rows = results.frame["_row"].to_numpy()[at].tolist()
    out = []
    records_in_order: list[Any] = list(ordered.itertuples(index=False))
    for n, row in enumerate(records_in_order):
        out.append(
            {
                "district": row.district,
                "street": row.street,
                "community": row.community,
                "target": row.target,
                "total": total[n],
                "categories": {c: v[n] for c, v in cats.items()},
                "items": {i: v[n] for i, v in items.items()},
                "review_source": row.review_source,
                "review_subtotal": review[n],
                "vetoes": list(row.vetoes),
                "eligibility": list(row.eligibility),
                "status": row.status,
                "reasons": list(row.reasons),
                "rank": int(row.rank),
                "district_rank": int(row.district_rank),
                "self_eval_flag": bool(row.self_eval_flag),
                "source": {"file": files[n], "row": int(rows[n])},
            }
        )
    return out


def to_json(results: Results, lang: str = "zh") -> dict[str, Any]:
    statuses = results.table.status.value_counts()
    return {
        "year": results.programme.year,
        "reviewed": results.reviewed,
        "version": __version__,
        "counts": {s: int(statuses.get(s, 0)) for s in sorted(statuses.index, key=STATUS_ORDER.__getitem__)},
        "money": results.money(),
        "communities": records(results),
        "problems": [p.to_dict(lang) for p in results.problems],
    }
