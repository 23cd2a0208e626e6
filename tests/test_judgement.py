"""Judgements on communities (programme.md): reviewer aggregation, vetoes, eligibility, levels,
ordering and the cut-offs, end to end through `evaluate` on small workbooks built here."""

from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import YEAR, WriteBook, valid_row
from greencomm.pipeline import Results, evaluate
from greencomm.ranking import competition_rank, ordering_keys, rank_within
from greencomm.reviews import aggregate_item
from greencomm.schema import Programme, load_programme
from greencomm.shortlist import cut

DEMO = "节能环保示范社区"
# Every item at its maximum: total 100, every category full.
FULL = {
    **{"A2": 3, "A3": 3, "B3": 3, "F1": 6, "B6": 3, "C5": 3, "D2": 0, "D3": 0, "E2": 6, "E3": 300},
    **{"B1": "100%", "B5": "60%", "C1": "90%", "C3": "100%", "C4": "90%", "D1": "35%", "E5": "90%", "E6": "95%"},
    **{"B2": "规模应用", "B4": "全部楼栋", "C2": "两项及以上", "F2": "省级及以上"},
}
REVIEW_HEADERS = ["评审专家", "专家所在区", "所属区", "社区名称", "A2", "A3", "B3", "F1"]


def full_row(**overrides: Any) -> dict[str, Any]:
    return valid_row(**{**FULL, **overrides})


def write_reviews(path: Path, rows: list[tuple[Any, ...]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(REVIEW_HEADERS)
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def write_register(path: Path, rows: list[tuple[Any, ...]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "历年命名名录"
    sheet.append(["年度", "所属区", "社区名称", "称号", "状态"])
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def by_name(results: Results) -> dict[str, pd.Series]:
    return {row.community: row for _, row in results.table.iterrows()}


def codes(results: Results) -> list[tuple[str, str, str]]:
    return [(p.code, p.cell, p.field) for p in results.problems]


# ---------------------------------------------------------------- reviewer aggregation
@pytest.mark.parametrize(
    ("scores", "mean", "used"),
    [
        (["0", "2", "3", "3"], Decimal(2), 4),  # 4: no trim, (0 + 2 + 3 + 3) / 4 = 2
        (["0", "2", "2.5", "3", "3"], Decimal("2.5"), 3),  # 5: drop 0 and a 3 → (2 + 2.5 + 3) / 3 = 2.5
        (["1", "2", "2", "2.5", "3", "3", "3"], Decimal("2.5"), 5),  # 7: drop 1 and a 3 → 12.5 / 5 = 2.5
    ],
)
def test_trimmed_mean_from_five_reviewers(scores: list[str], mean: Decimal, used: int) -> None:
    got, kept, _ = aggregate_item([Decimal(s) for s in scores], trim_from=5)
    assert got == mean
    assert len(kept) == used
    assert aggregate_item([], trim_from=5)[0] is None


def test_recusal_blank_scores_and_few_reviewers(
    write_submission: WriteBook, programme: Programme, tmp_path: Path
) -> None:
    book = write_submission([full_row(community="甲社区")])
    reviews = write_reviews(
        tmp_path / "评审.xlsx",
        [
            ("张", "芙蓉区", "芙蓉区", "甲社区", 0, None, 0, 0),  # recused: ignored, blank or filled
            ("李", "市直", "芙蓉区", "甲社区", 3, 3, 3, 6),  # city-level: never recused
            ("王", "天心区", "芙蓉区", "甲社区", 2, 2, 2, 4),
            ("赵", "岳麓区", "芙蓉区", "甲社区", 3, None, 3, 5),  # blank A3: left out for A3, not 0
        ],
    )
    results = evaluate([book], programme, reviews=[reviews])
    idx = results.table.index[0]
    points = results.scores.points.loc[idx]
    # A2 (3 + 2 + 3) / 3 = 2.67; A3 (3 + 2) / 2 = 2.5; B3 as A2 = 2.67; F1 (6 + 4 + 5) / 3 = 5
    assert [str(points[i]) for i in ("A2", "A3", "B3", "F1")] == ["2.67", "2.50", "2.67", "5.00"]
    assert results.table.review_source[idx] == "review"
    assert results.table.review_subtotal[idx] == Decimal("12.84")  # 2.67 + 2.5 + 2.67 + 5
    assert results.table.total[idx] == Decimal("97.84")  # 100 − 15 + 12.84
    assert codes(results) == [("review-few-reviewers", "", "A3"), ("review-blank-score", "F5", "A3")]


def test_no_usable_reviewer_is_an_error(write_submission: WriteBook, programme: Programme, tmp_path: Path) -> None:
    book = write_submission([full_row(community="乙社区", district="天心区")])
    reviews = write_reviews(tmp_path / "评审.xlsx", [("钱", "天心区", "天心区", "乙社区", 3, 3, 3, 6)])
    results = evaluate([book], programme, reviews=[reviews])
    assert sorted(codes(results)) == [("review-no-reviewers", "", i) for i in ("A2", "A3", "B3", "F1")]
    assert results.has_errors


@pytest.mark.xfail(
    strict=True,
    reason="BUG: a community whose every reviewer is recused is marked review_source 'review' and can be "
    "named 示范社区 on its self-evaluation; only reviewed candidates can be chosen",
)
def test_community_without_usable_review_is_not_reviewed(
    write_submission: WriteBook, programme: Programme, tmp_path: Path
) -> None:
    book = write_submission([full_row(community="乙社区", district="天心区", target=DEMO)])
    reviews = write_reviews(tmp_path / "评审.xlsx", [("钱", "天心区", "天心区", "乙社区", 3, 3, 3, 6)])
    row = evaluate([book], programme, reviews=[reviews]).table.iloc[0]
    assert row.review_source == "self"
    assert row.status != "示范社区"


# ---------------------------------------------------------------- vetoes
@pytest.mark.parametrize(
    ("overrides", "veto"),
    [
        ({"occupancy": "60%"}, None),
        ({"occupancy": "59.9%"}, "V1"),
        ({"penalty": "有"}, "V2"),
        ({"complaints": 3, "complaints_closed": 3}, None),
        ({"complaints": 3, "complaints_closed": 2}, "V3"),
        ({"incident": "有"}, "V4"),
        ({"E6": "60%"}, None),  # E6 scores 0 (below its ramp), but 60% is not a veto
        ({"E6": "59.9%"}, "V5"),
    ],
)
def test_veto_at_its_boundary(write_submission: WriteBook, programme: Programme, overrides: dict, veto: str) -> None:
    row = evaluate([write_submission([full_row(**overrides)])], programme).table.iloc[0]
    assert row.vetoes == ([veto] if veto else [])
    if veto:
        assert row.status == "未通过"
        assert any(r.startswith(f"一票否决 {veto}：") for r in row.reasons)
    else:
        assert row.status == "节能环保社区"


# ---------------------------------------------------------------- eligibility
@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"district": "长沙县"}, "Q1"),
        ({"district_title_year": None}, "Q2"),
        ({"district_title_year": YEAR + 1}, "Q2"),
        ({"district_title_year": YEAR}, None),
        ({"recommendation": "不同意推荐"}, "Q4"),
    ],
)
def test_eligibility(write_submission: WriteBook, programme: Programme, overrides: dict, code: str) -> None:
    results = evaluate([write_submission([full_row(**overrides)])], programme)
    row = results.table.iloc[0]
    assert row.eligibility == ([code] if code else [])
    assert row.status == ("未通过" if code else "节能环保社区")
    if code:
        assert any(r.startswith(f"资格 {code}：") for r in row.reasons)
        assert f"eligibility-{code.lower()}" in [p.code for p in results.problems]


@pytest.mark.parametrize(
    ("title", "year", "target", "status", "q3"),
    [
        ("节能环保示范社区", YEAR - 2, DEMO, "未通过", True),  # 示范 blocks both titles
        ("节能环保示范社区", YEAR - 2, "节能环保社区", "未通过", True),
        ("节能环保社区", YEAR - 1, "节能环保社区", "未通过", True),  # blocks the same title
        ("节能环保社区", YEAR - 1, DEMO, "推荐现场评审", False),  # … but its holder may apply for 示范
        ("节能环保示范社区", YEAR - 3, DEMO, "推荐现场评审", False),  # 3 years ago: nothing blocked
        ("节能环保示范社区", YEAR - 3, "节能环保社区", "节能环保社区", False),
    ],
)
def test_q3_repeat_titles(
    write_submission: WriteBook, programme: Programme, title: str, year: int, target: str, status: str, q3: bool
) -> None:
    book = write_submission([full_row(city_title=title, city_title_year=year, target=target)])
    row = evaluate([book], programme).table.iloc[0]
    assert (row.status, row.eligibility) == (status, ["Q3"] if q3 else [])


def test_register_is_authoritative(write_submission: WriteBook, programme: Programme, tmp_path: Path) -> None:
    rows = [
        full_row(community="撤销社区", city_title="节能环保示范社区", city_title_year=YEAR - 1),
        full_row(community="名录社区"),  # the workbook says 无, the register a title of last year
        full_row(community="一致社区", city_title="节能环保社区", city_title_year=YEAR - 1),
    ]
    register = write_register(
        tmp_path / "名录.xlsx",
        [
            (YEAR - 1, "芙蓉区", "撤销社区", "节能环保示范社区", "撤销"),
            (YEAR - 1, "芙蓉区", "名录社区", "节能环保社区", "有效"),
            (YEAR - 1, "芙蓉区", "一致社区", "节能环保社区", "有效"),
        ],
    )
    results = evaluate([write_submission(rows)], programme, register=register)
    got = {name: (row.status, row.eligibility) for name, row in by_name(results).items()}
    assert got == {
        "撤销社区": ("节能环保社区", []),  # a revoked title blocks nothing
        "名录社区": ("未通过", ["Q3"]),
        "一致社区": ("未通过", ["Q3"]),
    }
    disagree = [p for p in results.problems if p.code == "register-disagrees"]
    assert sorted(p.params["community"] for p in disagree) == ["名录社区", "撤销社区"]


# ---------------------------------------------------------------- levels
# 100 − 4 (F2 无) − 4 (D2 4) − 4 (D3 2) − 3 (B3 0) − 3 (A2 0) − 2 (A3 1) = 80
AT_80 = {"F2": "无", "D2": 4, "D3": 2, "B3": 0, "A2": 0, "A3": 1}
# 100 − 4 (F2 无: F = 6 = 60% of 10) − 4 (D2 4) − 2 (A3 1) = 90
AT_90 = {"F2": "无", "D2": 4, "A3": 1, "target": DEMO}


@pytest.mark.parametrize(
    ("overrides", "total", "status", "reason"),
    [
        (AT_80, "80.00", "节能环保社区", None),
        ({**AT_80, "A3": 0.99}, "79.99", "未通过", "总分 79.99 低于 80 分"),
        (AT_90, "90.00", "推荐现场评审", None),  # total exactly 90 and F exactly 60%
        ({**AT_90, "A3": 0.99}, "89.99", "节能环保社区", "总分 89.99 低于示范社区标准 90 分"),
        (
            {"F2": "无", "F1": 5.99, "target": DEMO},
            "95.99",
            "节能环保社区",
            "特色创新得分 5.99 低于该类满分 10 的 60%（6 分）",
        ),
        ({"D2": 4, "D3": 1, "target": DEMO}, "94.00", "推荐现场评审", None),  # D = 15 − 4 − 2 = 9 = 60% of 15
    ],
)
def test_levels(write_submission: WriteBook, programme: Programme, overrides: dict, total, status, reason) -> None:
    row = evaluate([write_submission([full_row(**overrides)])], programme).table.iloc[0]
    assert (str(row.total), row.status) == (total, status)
    assert row.reasons == ([reason] if reason else [])


# ---------------------------------------------------------------- ordering
def keys_of(rows: list[tuple[str, str, str, int | None]]) -> pd.DataFrame:
    """(total, category B, review subtotal, 区级称号获得年份) per row."""
    cols = list(zip(*rows, strict=True))
    decimal = [pd.Series([Decimal(v) for v in col], dtype=object) for col in cols[:3]]
    return ordering_keys(*decimal, pd.Series(cols[3], dtype=object))


def test_competition_ranks_share_and_skip() -> None:
    keys = keys_of(
        [("90", "15", "12", 2021), ("85", "15", "12", 2021), ("85", "15", "12", 2021), ("80", "20", "15", 2019)]
    )
    assert competition_rank(keys).tolist() == [1, 2, 2, 4]


@pytest.mark.parametrize(
    ("ahead", "behind"),
    [
        (("85", "15.00", "12", 2021), ("85", "14.99", "15", 2019)),  # key 2: category B
        (("85", "15", "12.01", 2021), ("85", "15", "12", 2019)),  # key 3: review subtotal
        (("85", "15", "12", 2019), ("85", "15", "12", 2021)),  # key 4: earlier district title first
        (("85", "15", "12", 2021), ("85", "15", "12", None)),  # … blank last
    ],
)
def test_ties_are_broken_key_by_key(ahead: tuple, behind: tuple) -> None:
    assert competition_rank(keys_of([behind, ahead])).tolist() == [2, 1]


def test_district_rank_within_own_district_even_outside() -> None:
    keys = keys_of(
        [("90", "15", "12", 2021), ("80", "15", "12", 2021), ("85", "15", "12", 2021), ("95", "15", "12", 2021)]
    )
    districts = pd.Series(["芙蓉区", "长沙县", "芙蓉区", "长沙县"])
    assert competition_rank(keys).tolist() == [2, 4, 3, 1]
    assert rank_within(keys, districts).tolist() == [1, 2, 2, 1]


# ---------------------------------------------------------------- cut-offs
def places(ranks: list[int]) -> pd.Series:
    return pd.Series(ranks, index=[f"c{n}" for n in range(1, len(ranks) + 1)])


def test_tie_across_the_20th_place_after_review_is_pending() -> None:
    ranks = places([*range(1, 20), 20, 20, 22])  # a 2-way tie at places 20–21
    got = cut(ranks, 20, grow_on_tie=False)
    assert list(got.chosen) == [f"c{n}" for n in range(1, 20)]  # 19 confirmed
    assert list(got.tied) == ["c20", "c21"]


def test_tie_inside_the_quota_splits_nothing() -> None:
    got = cut(places([*range(1, 19), 19, 19, 21]), 20, grow_on_tie=False)  # tie at places 19–20
    assert (len(got.chosen), list(got.tied)) == (20, [])


def test_tie_across_the_30th_place_before_review_grows_the_list() -> None:
    got = cut(places([*range(1, 30), 30, 30, 32]), 30, grow_on_tie=True)
    assert (len(got.chosen), list(got.tied)) == (31, [])
    assert "c32" not in got.chosen


def small_quotas(tmp_path: Path) -> Programme:
    config = tmp_path / "greencomm.toml"
    config.write_text("[quotas]\ndemonstration = 2\nonsite = 3\n", encoding="utf-8")
    return load_programme(config=config, year=YEAR)


def test_both_cuts_end_to_end(write_submission: WriteBook, tmp_path: Path) -> None:
    programme = small_quotas(tmp_path)
    rows = [
        full_row(community="一社区", target=DEMO),  # 100
        full_row(community="二社区", target=DEMO, F2="区市级"),  # 98
        full_row(community="三社区", target=DEMO, F2="无"),  # 96
        full_row(community="四社区", target=DEMO, F2="无", district="天心区"),  # 96, tied with 三 on every key
        full_row(community="五社区", target=DEMO, F2="无", D2=2),  # 94
    ]
    book = write_submission(rows)
    before = {n: r.status for n, r in by_name(evaluate([book], programme)).items()}
    assert before == {  # places 3–4 tie across the 3rd: both go on site
        "一社区": "推荐现场评审",
        "二社区": "推荐现场评审",
        "三社区": "推荐现场评审",
        "四社区": "推荐现场评审",
        "五社区": "节能环保社区",
    }
    experts = [("李", "市直"), ("王", "岳麓区"), ("赵", "雨花区")]
    given = {"一社区": 6, "二社区": 4, "三社区": 6, "四社区": 6}  # F1; A2, A3, B3 all 3
    district = {"四社区": "天心区"}
    review_rows = [(e, d, district.get(c, "芙蓉区"), c, 3, 3, 3, f1) for c, f1 in given.items() for e, d in experts]
    results = evaluate([book], programme, reviews=[write_reviews(tmp_path / "评审.xlsx", review_rows)])
    after = by_name(results)
    # 二: F1 4 + F2 2 → 96 but review subtotal 13 < 15, so 三 and 四 (96, B 20, review 15) tie at places 2–3
    assert {n: (r.status, r["rank"]) for n, r in after.items()} == {
        "一社区": ("示范社区", 1),
        "三社区": ("待审定", 2),
        "四社区": ("待审定", 2),
        "二社区": ("节能环保社区", 4),
        "五社区": ("节能环保社区", 5),
    }
    assert after["二社区"].reasons == ["评审后排名未进入前 2 名"]
    assert after["五社区"].reasons == ["未参加现场评审"]
    assert results.money()["demonstrations"] == 1
    assert results.money()["total"] == 20_000  # one confirmed title × (10,000 + 10,000)


@pytest.mark.xfail(
    strict=True,
    reason="BUG: a candidate blocked for 节能环保社区 by Q3 who misses the 示范 cut is 未通过 with Q3 as its only "
    "reason; the cut-off reason is dropped (`if candidate and not said`), though 未通过 lists every reason",
)
def test_failed_candidate_gets_every_reason(write_submission: WriteBook, tmp_path: Path) -> None:
    programme = small_quotas(tmp_path)
    rows = [full_row(community=f"{n}社区", target=DEMO) for n in "一二三"]
    rows.append(full_row(community="四社区", target=DEMO, F2="无", city_title="节能环保社区", city_title_year=YEAR - 1))
    row = by_name(evaluate([write_submission(rows)], programme))["四社区"]
    assert (row.status, row.eligibility) == ("未通过", ["Q3"])
    assert "未进入前 3 名推荐现场评审" in row.reasons


# ---------------------------------------------------------------- invariants
key_rows = st.lists(st.tuples(*[st.integers(0, 3)] * 4), max_size=12)


@given(key_rows, st.randoms(use_true_random=False))
def test_competition_rank_counts_those_strictly_ahead(rows: list[tuple[int, ...]], rnd: Any) -> None:
    keys = pd.DataFrame(rows, columns=["key_total", "key_category", "key_review", "key_year"], dtype="int64")
    ranks = competition_rank(keys)
    assert ranks.tolist() == [1 + sum(other < mine for other in rows) for mine in rows]
    order = list(keys.index)
    rnd.shuffle(order)
    assert competition_rank(keys.loc[order]).reindex(keys.index).tolist() == ranks.tolist()


ROWS = [
    full_row(community="一社区", target=DEMO),
    full_row(community="二社区", target=DEMO, district="天心区"),  # tied with 一 on every key
    full_row(community="三社区", target=DEMO, F2="无"),
    full_row(community="四社区", district="长沙县"),  # Q1
    full_row(community="五社区", district="天心区", occupancy="50%"),  # V1
    full_row(community="六社区", district="岳麓区", **AT_80),
    full_row(community="七社区", district="岳麓区", district_title_year=None, F2="无"),  # Q2, blank year sorts last
]


def outcome(results: Results) -> dict[str, tuple[str, int, int, Decimal]]:
    return {n: (r.status, r["rank"], r.district_rank, r.total) for n, r in by_name(results).items()}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.permutations(range(len(ROWS))), st.permutations(["a.xlsx", "b.xlsx", "c.xlsx"]))
def test_results_do_not_depend_on_row_or_file_order(
    write_submission: WriteBook, tmp_path_factory: pytest.TempPathFactory, order: list[int], names: list[str]
) -> None:
    programme = load_programme(year=YEAR)
    folder = tmp_path_factory.mktemp("books")
    books = [write_submission([ROWS[n] for n in order[k::3]], name=name, folder=folder) for k, name in enumerate(names)]
    got = outcome(evaluate(books, programme))
    assert got == {
        "一社区": ("推荐现场评审", 1, 1, Decimal("100.00")),
        "二社区": ("推荐现场评审", 1, 1, Decimal("100.00")),
        "三社区": ("推荐现场评审", 3, 1, Decimal("96.00")),
        "四社区": ("未通过", 1, 1, Decimal("100.00")),
        "五社区": ("未通过", 1, 1, Decimal("100.00")),
        "六社区": ("节能环保社区", 7, 2, Decimal("80.00")),
        "七社区": ("节能环保社区", 6, 1, Decimal("96.00")),
    }
