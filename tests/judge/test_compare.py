"""The comparison of two scored results on tiny inline sheets (greencomm.judge.compare): who moved,
by how much, which items caused it, and the invariants — a sheet compared with itself, or with its
rows shuffled, has no change."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from greencomm.judge.compare import compare
from greencomm.read.results_book import ScoreSheet

ITEMS = {"B1": "公共区域节能灯具使用率", "C2": "雨水收集"}
CATEGORIES = {"B": "节能降耗", "C": "节水与资源循环"}


def row(district: str, community: str, rank: int, b1: str, c2: str, status: str = "节能环保社区",
        district_rank: int = 1, **extra: Any) -> dict[str, Any]:  # fmt: skip
    b1d, c2d = Decimal(b1), Decimal(c2)
    return {"district": district, "street": "街道", "community": community, "rank": rank,
            "district_rank": district_rank, "total": b1d + c2d, "status": status, "B1": b1d, "C2": c2d,
            "B": b1d, "C": c2d, **extra}  # fmt: skip


def sheet(rows: list[dict[str, Any]], items: dict[str, str] = ITEMS, categories: dict[str, str] = CATEGORIES
          ) -> ScoreSheet:  # fmt: skip
    return ScoreSheet(pd.DataFrame(rows), dict(items), dict(categories))


OLD = [row("芙蓉区", "韭菜园社区", 1, "5.00", "3.00"), row("天心区", "青园社区", 2, "4.00", "2.00"),
       row("岳麓区", "桃花岭社区", 3, "3.00", "2.00")]  # fmt: skip


def test_an_item_that_moved_is_named_with_its_delta() -> None:
    new = [OLD[0], row("天心区", "青园社区", 2, "4.00", "1.60"), OLD[2]]
    result = compare(sheet(OLD), sheet(new))
    assert [(c.community, list(c.items)) for c in result.changed] == [("青园社区", ["C2"])]
    change = result.changed[0]
    assert change.items["C2"].delta == Decimal("-0.40")
    assert change.categories["C"].delta == Decimal("-0.40") and change.total.delta == Decimal("-0.40")
    assert not change.rank.changed and not change.with_others
    assert result.unchanged == 2 and not result.added and not result.removed


def test_a_rank_moved_by_others_is_listed_without_items() -> None:
    new = [row("芙蓉区", "韭菜园社区", 1, "5.00", "3.00"), row("天心区", "青园社区", 3, "2.00", "2.00"),
           row("岳麓区", "桃花岭社区", 2, "3.00", "2.00")]  # fmt: skip
    result = compare(sheet(OLD), sheet(new))
    by_name = {c.community: c for c in result.changed}
    assert set(by_name) == {"青园社区", "桃花岭社区"}
    assert by_name["桃花岭社区"].with_others and by_name["桃花岭社区"].items == {}
    assert (by_name["桃花岭社区"].rank.old, by_name["桃花岭社区"].rank.new) == (3, 2)
    assert result.changed[0].community == "青园社区"  # the largest move first


def test_a_status_moved_by_others_is_listed() -> None:
    new = [*OLD[:2], row("岳麓区", "桃花岭社区", 3, "3.00", "2.00", status="未通过")]
    (change,) = compare(sheet(OLD), sheet(new)).changed
    assert change.with_others and change.status.old == "节能环保社区" and change.status.new == "未通过"


def test_communities_are_matched_by_the_community_key() -> None:
    """Full-width spaces, NFKC and invisible characters never make one community two."""
    new = [row("芙蓉区\u3000", "韭菜园\u200b社区", 1, "5.00", "3.00"), *OLD[1:]]
    result = compare(sheet(OLD), sheet(new))
    assert result.changed == [] and result.unchanged == 3


def test_added_and_removed() -> None:
    new = [*OLD[:2], row("开福区", "新河社区", 3, "3.00", "2.00")]
    result = compare(sheet(OLD), sheet(new))
    assert [(e.district, e.community) for e in result.added] == [("开福区", "新河社区")]
    assert [(e.district, e.community, e.total) for e in result.removed] == [("岳麓区", "桃花岭社区", Decimal(5))]
    assert result.changed == [] and result.unchanged == 2


def test_an_item_on_one_side_only_counts_as_zero_on_the_other() -> None:
    """A rubric that adds B7: those who score on it move by its points; those at 0 do not move."""
    items = {**ITEMS, "B7": "新项目"}
    new = [{**OLD[0], "B7": Decimal("1.50"), "total": OLD[0]["total"] + Decimal("1.50")},
           {**OLD[1], "B7": Decimal(0)}, {**OLD[2], "B7": Decimal(0)}]  # fmt: skip
    result = compare(sheet(OLD), sheet(new, items))
    assert result.new_only == ["B7"] and result.old_only == []
    (change,) = result.changed
    assert change.community == "韭菜园社区"
    assert (change.items["B7"].old, change.items["B7"].new, change.items["B7"].delta) == (None, Decimal("1.50"),
                                                                                          Decimal("1.50"))  # fmt: skip
    assert result.items["B7"] == "新项目"


def test_points_are_compared_to_the_cent_not_as_floats() -> None:
    """0.1 + 0.2 as a float is not 0.3; as written to 2 decimals it is."""
    old = [{**OLD[0], "C2": 0.1 + 0.2}]
    new = [{**OLD[0], "C2": Decimal("0.30")}]
    assert compare(sheet(old), sheet(new)).changed == []


# ---------------------------------------------------------------- invariants
NAMES = ["韭菜园社区", "青园社区", "桃花岭社区", "新河社区", "东塘社区", "望月湖社区"]
cents = st.integers(min_value=0, max_value=500).map(lambda n: str(Decimal(n) / 100))


@st.composite
def sheets(draw: st.DrawFn) -> list[dict[str, Any]]:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=0, max_size=len(NAMES), unique=True))
    districts, statuses = st.sampled_from(["芙蓉区", "天心区"]), st.sampled_from(["节能环保社区", "未通过"])
    return [
        row(draw(districts), name, draw(st.integers(1, 9)), draw(cents), draw(cents), draw(statuses),
            draw(st.integers(1, 9)))
        for name in names
    ]  # fmt: skip


@given(sheets())
def test_a_sheet_compared_with_itself_has_no_change(rows: list[dict[str, Any]]) -> None:
    result = compare(sheet(rows), sheet(rows))
    assert result.is_same and result.unchanged == len(rows)


@given(sheets(), sheets(), st.randoms(use_true_random=False))
def test_the_order_of_rows_changes_nothing(old: list[dict[str, Any]], new: list[dict[str, Any]], rnd: Any) -> None:
    shuffled_old, shuffled_new = old[:], new[:]
    rnd.shuffle(shuffled_old)
    rnd.shuffle(shuffled_new)
    assert compare(sheet(old), sheet(new)) == compare(sheet(shuffled_old), sheet(shuffled_new))


@given(sheets(), sheets())
def test_every_community_is_counted_once(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> None:
    result = compare(sheet(old), sheet(new))
    assert len(result.changed) + result.unchanged + len(result.added) == len(new)
    assert len(result.changed) + result.unchanged + len(result.removed) == len(old)
    for change in result.changed:
        assert change.total.delta == sum((p.delta for p in change.items.values()), Decimal(0))
