"""check.reviews on typed review rows built inline: recusal, blanks, unknown districts and
communities; and recusal as one rule, the same in validate and in the scores (docs/rules.md#reviewers)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from conftest import part_of, typed_row
from greencomm.check.reviews import check_reviews, recused
from greencomm.judge.reviews import aggregate
from greencomm.problems import Problem
from greencomm.programme import Programme, load_programme

FILE, SHEET = "评审.xlsx", "现场评审评分表"


def review(reviewer: str, own: str | None, community: str = "韭菜园社区", district: str = "芙蓉区",
           **scores: Any) -> dict[str, Any]:  # fmt: skip
    row = {"reviewer": reviewer, "reviewer_district": own, "district": district, "community": community}
    row.update({i: Decimal(2) for i in ("A2", "A3", "B3", "F1")})
    row.update({k: None if v is None else Decimal(v) for k, v in scores.items()})
    return row


def test_recused_is_the_reviewer_from_the_communitys_own_district(programme: Programme) -> None:
    rows = [
        review("张", "芙蓉区"),
        review("李", " 芙蓉区"),  # names compare as written, spaces aside
        review("王", "天心区"),
        review("赵", "市直"),
        review("钱", None),  # a blank is an error of its own, not a recusal
    ]
    assert recused(part_of(rows, FILE, SHEET).frame, programme).tolist() == [True, True, False, False, False]


def test_a_recused_row_is_ignored_blank_or_filled_and_other_blanks_are_warnings(programme: Programme) -> None:
    rows = [review("张", "芙蓉区", A2=None), review("王", "天心区", B3=None), review("赵", "市直", F1="9")]
    part = part_of(rows, FILE, SHEET)
    part.problems = [  # what the reader found: 赵's F1 is out of range; a score in 张's recused row too
        Problem("number-out-of-range", FILE, SHEET, "H5", "F1", "9", {"range": "0–6"}),
        Problem("number-out-of-range", FILE, SHEET, "F3", "A3", "7", {"range": "0–3"}),
    ]
    communities = part_of([typed_row(programme)]).frame
    found = {(p.code, p.cell, p.is_error) for p in check_reviews(part, programme, communities)}
    assert found == {
        ("review-blank-score", "G4", False),  # 王's B3; 张's blank A2 is his recused row's, so nothing
        ("review-score-out-of-range", "H5", True),
    }


def test_reviewers_from_nowhere_and_communities_that_did_not_apply(programme: Programme) -> None:
    rows = [review("张", "火星区"), review("王", "天心区", community="不存在社区")]
    part = part_of(rows, FILE, SHEET)
    communities = part_of([typed_row(programme)]).frame
    found = {(p.code, p.cell) for p in check_reviews(part, programme, communities)}
    assert found == {("review-unknown-district", "B3"), ("review-unknown-community", "D4")}


def test_validate_and_the_scores_recuse_alike_a_city_level_expert_is_recused_from_nothing(tmp_path: Any) -> None:
    """A community whose 所属区 is written as the city level (市直) — outside the programme, scored
    all the same — reviewed by a city-level expert: not a recusal, in the warnings and in the mean."""
    programme = load_programme(year=2026)
    communities = part_of([typed_row(programme, district="市直")]).frame
    rows = [review("赵", "市直", district="市直", A2=None), review("王", "天心区", district="市直", A2="3")]
    part = part_of(rows, FILE, SHEET)
    warnings = [(p.code, p.cell) for p in check_reviews(part, programme, communities)]
    assert warnings == [("review-blank-score", "E3")]  # 赵 is not recused: his blank is named
    aggregated, _ = aggregate(part.frame, communities, programme)
    b3 = aggregated[communities.index[0]]["B3"]
    assert b3.scores == (Decimal(2), Decimal(2))  # both reviewers count for B3: nobody was recused


@pytest.mark.parametrize("own", ["芙蓉区", "天心区", "市直"])
def test_recusal_agrees_between_check_and_aggregate(programme: Programme, own: str) -> None:
    communities = part_of([typed_row(programme)]).frame
    part = part_of([review("张", own, A2="1"), review("王", "岳麓区", A2="3")], FILE, SHEET)
    left_out = bool(recused(part.frame, programme)[0])
    aggregated, _ = aggregate(part.frame, communities, programme)
    used = aggregated[communities.index[0]]["A2"].scores
    assert (Decimal(1) not in used) == left_out
