"""The JSON documents `--json` prints (docs/rules.md#command-line): one shape for score, rank and
shortlist, one for validate, one for the rubric. Plain dicts, built from the results; the command
line only prints them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from greencomm import __version__
from greencomm.judge.results import Results
from greencomm.judge.shortlist import status_order
from greencomm.problems import Problem, count
from greencomm.programme import Programme


def records(results: Results) -> list[dict[str, Any]]:
    """One dict per community, in rank order. Scores go out as JSON numbers with at most 2
    decimals (cents ÷ 100)."""
    ordered = results.ordered()
    points = results.scores.aligned(ordered.index)
    items = {i: v.tolist() for i, v in points.items.items()}
    cats = {c: v.tolist() for c, v in points.categories.items()}
    total, review = points.total.tolist(), points.review.tolist()
    files = results.frame["_file"].to_numpy()[points.at].tolist()
    rows = results.frame["_row"].to_numpy()[points.at].tolist()
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


def results_json(results: Results, lang: str = "zh") -> dict[str, Any]:
    """score, rank and shortlist: year, stage, counts per status, money (when the programme pays
    any), communities, problems."""
    statuses = results.table.status.value_counts()
    order = status_order(results.programme)
    document: dict[str, Any] = {
        "year": results.programme.year,
        "reviewed": results.reviewed,
        "version": __version__,
        "counts": {s: int(statuses.get(s, 0)) for s in sorted(statuses.index, key=order.__getitem__)},
    }
    if results.programme.settings.payers and results.programme.two_tier:  # no money, no money key
        document["money"] = results.money()
    document["communities"] = records(results)
    document["problems"] = [p.to_dict(lang) for p in results.problems]
    return document


def validation_json(
    year: int, files: Sequence[Path], written: dict[Path, Path], communities: int, problems: Sequence[Problem],
    lang: str = "zh",
) -> dict[str, Any]:  # fmt: skip
    """validate: every input file with its annotated copy (or null), and every problem."""
    errors, warnings = count(problems)
    return {
        "year": year,
        "files": [{"file": str(f), "annotated": str(written[f]) if f in written else None} for f in files],
        "communities": communities,
        "errors": errors,
        "warnings": warnings,
        "problems": [p.to_dict(lang) for p in problems],
    }


def rubric_json(programme: Programme) -> dict[str, Any]:
    """The rubric's items, for scripts."""
    return {
        "title": programme.rubric_title,
        "items": [
            {
                "id": i.id,
                "name": i.name,
                "max": float(i.max),
                "kind": i.kind,
                "column": i.column,
                "rule": i.rule_text(),
            }
            for i in programme.rubric.items
        ],
    }
