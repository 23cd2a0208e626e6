"""Judgements on communities (docs/rules.md#levels): reviewer aggregation, vetoes, eligibility, levels,
ordering and the cut-offs, end to end through `evaluate` on small workbooks built here."""

from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import YEAR, WriteBook, drawn_year, valid_row
from greencomm.api import evaluate
from greencomm.judge import cents
from greencomm.judge import results as judged
from greencomm.judge.ranking import competition_rank, ordering_keys, rank_within
from greencomm.judge.results import Results
from greencomm.judge.reviews import aggregate_item
from greencomm.judge.shortlist import cut
from greencomm.programme import Programme, load_programme

DEMO = "节能环保示范社区"
# Every item at its maximum: total 100, every category full.
FULL = {
    **{"A2": 3, "A3": 3, "B3": 3, "F1": 6, "B6": 3, "C5": 3, "D2": 0, "D3": 0, "E2": 6, "E3": 300},
    **{"B1": "100%", "B5": "60%", "C1": "90%", "C3": "100%", "C4": "90%", "D1": "35%", "E5": "90%", "E6": "95%"},
    **{"B2": "规模应用", "B4": "全部楼栋", "C2": "两项及以上", "F2": "省级及以上"},
}


def full_row(**overrides: Any) -> dict[str, Any]:
    return valid_row(**{**FULL, **overrides})


def write_sheet(path: Path, header: list[str], rows: list[tuple[Any, ...]], title: str = "Sheet") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in [header, *rows]:
        sheet.append(list(row))
    book.save(path)
    return path


def write_reviews(path: Path, rows: list[tuple[Any, ...]]) -> Path:
    return write_sheet(path, ["评审专家", "专家所在区", "所属区", "社区名称", "A2", "A3", "B3", "F1"], rows)


def judge(write_submission: WriteBook, programme: Programme, **overrides: Any) -> pd.Series:
    """The result row of one community: full marks, changed by `overrides`."""
    return evaluate([write_submission([full_row(**overrides)])], programme).table.iloc[0]


def by_name(results: Results) -> dict[str, pd.Series]:
    return {row.community: row for _, row in results.table.iterrows()}


def codes(results: Results) -> list[tuple[str, str, str]]:
    return [(p.code, p.cell, p.field) for p in results.problems]


# ---------------------------------------------------------------- reviewer aggregation
@pytest.mark.parametrize(
    ("scores", "mean", "used"),
    [
        (["0", "2", "3", "3"], Fraction(2), 4),  # 4: no trim, (0 + 2 + 3 + 3) / 4 = 2
        (["0", "2", "2.5", "3", "3"], Fraction(5, 2), 3),  # 5: drop 0 and a 3 → (2 + 2.5 + 3) / 3 = 2.5
        (["1", "2", "2", "2.5", "3", "3", "3"], Fraction(5, 2), 5),  # 7: drop 1 and a 3 → 12.5 / 5 = 2.5
    ],
)
def test_trimmed_mean_from_five_reviewers(scores: list[str], mean: Fraction, used: int) -> None:
    got, kept, _ = aggregate_item([Decimal(s) for s in scores], trim_from=5)
    assert (got, len(kept)) == (mean, used)
    assert aggregate_item([], trim_from=5)[0] is None


def test_recusal_trim_blank_scores_and_few_reviewers(
    write_submission: WriteBook, programme: Programme, tmp_path: Path
) -> None:
    book = write_submission([full_row(community="甲社区")])
    experts = [
        ("张", "芙蓉区", 0, None, 0, 0),  # recused: ignored, blank or filled (no blank-score warning)
        ("李", "市直", 3, 3, 3, 6),  # city-level: never recused
        ("王", "天心区", 3, 2, 3, 5),
        ("赵", "岳麓区", 2, 2, None, 5),
        ("钱", "开福区", 1, 2, None, 4),
        ("孙", "雨花区", None, 2, None, 2),  # blanks leave 孙 out of A2 and B3, never as 0
    ]
    reviews = write_reviews(tmp_path / "评审.xlsx", [(n, d, "芙蓉区", "甲社区", *scores) for n, d, *scores in experts])
    results = evaluate([book], programme, reviews=[reviews])
    idx = results.table.index[0]
    # A2: 3 3 2 1, 4 remain → no trim, 9 / 4 = 2.25
    # A3: 3 2 2 2 2, 5 remain → drop 3 and a 2 → 6 / 3 = 2
    # B3: 3 3, 2 remain (< 3: a warning) → 3
    # F1: 6 5 5 4 2, 5 remain → drop 6 and 2 → 14 / 3 = 4.666… → 4.67
    assert [str(results.scores.points.at[idx, i]) for i in ("A2", "A3", "B3", "F1")] == ["2.25", "2.00", "3.00", "4.67"]
    assert results.table.review_source[idx] == "review"
    assert results.table.review_subtotal[idx] == Decimal("11.92")  # 2.25 + 2 + 3 + 4.67
    assert results.table.total[idx] == Decimal("96.92")  # 100 − 15 + 11.92
    blank = [
        ("review-blank-score", cell, item) for cell, item in [("G5", "B3"), ("G6", "B3"), ("E7", "A2"), ("G7", "B3")]
    ]
    assert codes(results) == [("review-few-reviewers", "", "B3"), *blank]


def recused_only(write_submission: WriteBook, programme: Programme, tmp_path: Path) -> Results:
    """A 示范 applicant whose only reviewer is from its own district."""
    book = write_submission([full_row(community="乙社区", district="天心区", target=DEMO)])
    reviews = write_reviews(tmp_path / "评审.xlsx", [("钱", "天心区", "天心区", "乙社区", 3, 3, 3, 6)])
    return evaluate([book], programme, reviews=[reviews])


def test_no_usable_reviewer_is_an_error(write_submission: WriteBook, programme: Programme, tmp_path: Path) -> None:
    results = recused_only(write_submission, programme, tmp_path)
    assert sorted(codes(results)) == [("review-no-reviewers", "", i) for i in ("A2", "A3", "B3", "F1")]
    assert results.has_errors


def test_community_without_usable_review_is_not_reviewed(
    write_submission: WriteBook, programme: Programme, tmp_path: Path
) -> None:
    row = recused_only(write_submission, programme, tmp_path).table.iloc[0]
    assert (row.review_source, row.status) == ("self", "节能环保社区")


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
    row = judge(write_submission, programme, **overrides)
    assert (row.vetoes, row.status) == (([veto], "未通过") if veto else ([], "节能环保社区"))
    assert [r.split("：")[0] for r in row.reasons] == ([f"一票否决 {veto}"] if veto else [])


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
    row = judge(write_submission, programme, city_title=title, city_title_year=year, target=target)
    assert (row.status, row.eligibility) == (status, ["Q3"] if q3 else [])


def with_register(write_submission: WriteBook, programme: Programme, tmp_path: Path) -> Results:
    rows = [
        full_row(community="撤销社区", city_title="节能环保示范社区", city_title_year=YEAR - 1),
        full_row(community="名录社区"),  # the workbook says 无, the register a title of last year
        full_row(community="一致社区", city_title="节能环保社区", city_title_year=YEAR - 1),
    ]
    register = [
        (YEAR - 1, "芙蓉区", "撤销社区", "节能环保示范社区", "撤销"),
        (YEAR - 1, "芙蓉区", "名录社区", "节能环保社区", "有效"),
        (YEAR - 1, "芙蓉区", "一致社区", "节能环保社区", "有效"),
    ]
    path = write_sheet(tmp_path / "名录.xlsx", ["年度", "所属区", "社区名称", "称号", "状态"], register, "历年命名名录")
    return evaluate([write_submission(rows)], programme, register=path)


def test_register_is_authoritative(write_submission: WriteBook, programme: Programme, tmp_path: Path) -> None:
    results = with_register(write_submission, programme, tmp_path)
    got = {name: (row.status, row.eligibility) for name, row in by_name(results).items()}
    assert got == {
        "撤销社区": ("节能环保社区", []),  # a revoked title blocks nothing
        "名录社区": ("未通过", ["Q3"]),
        "一致社区": ("未通过", ["Q3"]),
    }
    disagree = [p for p in results.problems if p.code == "register-disagrees"]
    assert sorted(p.params["community"] for p in disagree) == ["名录社区", "撤销社区"]


def test_revoked_title_gets_no_q3_warning(write_submission: WriteBook, programme: Programme, tmp_path: Path) -> None:
    results = with_register(write_submission, programme, tmp_path)
    warned = [p.value for p in results.problems if p.code == "eligibility-q3"]
    assert "节能环保示范社区" not in warned  # only 撤销社区 holds that title in its workbook


# ---------------------------------------------------------------- levels
# 100 − 4 (F2 无) − 4 (D2 4) − 4 (D3 2) − 3 (B3 0) − 3 (A2 0) − 2 (A3 1) = 80
AT_80 = {"F2": "无", "D2": 4, "D3": 2, "B3": 0, "A2": 0, "A3": 1}
# 100 − 4 (F2 无: F = 6 = 60% of 10) − 4 (D2 4) − 2 (A3 1) = 90
AT_90 = {"F2": "无", "D2": 4, "A3": 1, "target": DEMO}
F_BELOW_60 = {"F2": "无", "F1": 5.99, "target": DEMO}  # F = 5.99 < 6; total 100 − 4 − 0.01 = 95.99


@pytest.mark.parametrize(
    ("overrides", "total", "status", "reason"),
    [
        (AT_80, "80.00", "节能环保社区", None),
        ({**AT_80, "A3": 0.99}, "79.99", "未通过", "总分 79.99 低于 80 分"),
        (AT_90, "90.00", "推荐现场评审", None),  # total exactly 90 and F exactly 60%
        ({**AT_90, "A3": 0.99}, "89.99", "节能环保社区", "总分 89.99 低于示范社区标准 90 分"),
        (F_BELOW_60, "95.99", "节能环保社区", "特色创新得分 5.99 低于该类满分 10 的 60%（6 分）"),
        ({"D2": 4, "D3": 1, "target": DEMO}, "94.00", "推荐现场评审", None),  # D = 15 − 4 − 2 = 9 = 60% of 15
    ],
)
def test_levels(
    write_submission: WriteBook, programme: Programme, overrides: dict, total: str, status: str, reason: str | None
) -> None:
    row = judge(write_submission, programme, **overrides)
    assert (str(row.total), row.status) == (total, status)
    assert row.reasons == ([reason] if reason else [])


# ---------------------------------------------------------------- ordering
def keys_of(rows: list[tuple[str, str, str, int | None]]) -> pd.DataFrame:
    """(total, category B, review subtotal, 区级称号获得年份) per row."""
    cols = list(zip(*rows, strict=True))
    cents = [pd.Series([int(Decimal(v) * 100) for v in col], dtype="int64") for col in cols[:3]]
    return ordering_keys(*cents, pd.Series(cols[3], dtype=object))


def test_competition_ranks_city_wide_and_within_own_district() -> None:
    keys = keys_of(
        [("90", "15", "12", 2021), ("85", "15", "12", 2021), ("85", "15", "12", 2021), ("80", "20", "15", 2019)]
    )
    assert competition_rank(keys).tolist() == [1, 2, 2, 4]
    districts = pd.Series(["芙蓉区", "长沙县", "芙蓉区", "长沙县"])  # 长沙县 is outside the programme (Q1)
    assert rank_within(keys, districts).tolist() == [1, 1, 2, 2]


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


def test_year_key_over_the_whole_column() -> None:
    """Years as the reading leaves them (Python and numpy integers, blanks as None or NaN): a blank
    sorts after every real year."""
    years = pd.Series([2021, None, np.int64(2019), float("nan"), 2020], dtype=object)
    zero = pd.Series([0] * 5, dtype="int64")
    key = ordering_keys(zero, zero, zero, years)["key_year"]
    assert key.tolist() == [2021, 10_000, 2019, 10_000, 2020]
    assert key.dtype == np.int64


# ---------------------------------------------------------------- cut-offs
@pytest.mark.parametrize(
    ("ranks", "quota", "grow", "chosen", "tied"),
    [
        ([*range(1, 20), 20, 20, 22], 20, False, 19, [20, 21]),  # a 2-way tie at places 20–21 confirms 19
        ([*range(1, 19), 19, 19, 21], 20, False, 20, []),  # a tie inside the quota splits nothing
        ([*range(1, 30), 30, 30, 32], 30, True, 31, []),  # before review the list grows to take the tie
        ([1, 2, 2], 20, False, 3, []),  # fewer than the quota: all
    ],
)
def test_cut(ranks: list[int], quota: int, grow: bool, chosen: int, tied: list[int]) -> None:
    got = cut(pd.Series(ranks, index=range(1, len(ranks) + 1)), quota, grow_on_tie=grow)
    assert (list(got.chosen), list(got.tied)) == (list(range(1, chosen + 1)), tied)


def small_quotas(tmp_path: Path) -> Programme:
    config = tmp_path / "greencomm.toml"
    config.write_text("[quotas]\ndemonstration = 2\nonsite = 3\n", encoding="utf-8")
    return load_programme(config=config, year=YEAR)


def test_both_cuts_end_to_end(write_submission: WriteBook, tmp_path: Path) -> None:
    programme = small_quotas(tmp_path)
    names = ["一社区", "二社区", "三社区", "四社区", "五社区"]
    rows = [
        full_row(community="一社区", target=DEMO, city_title="节能环保社区", city_title_year=YEAR - 1),  # 100
        full_row(community="二社区", target=DEMO, F2="区市级"),  # 98
        full_row(community="三社区", target=DEMO, F2="无"),  # 96
        full_row(community="四社区", target=DEMO, F2="无", district="天心区"),  # 96, tied with 三 on every key
        full_row(community="五社区", target=DEMO, F2="无", D2=2),  # 94
    ]
    book = write_submission(rows)
    before = by_name(evaluate([book], programme))
    # places 3–4 tie across the 3rd: both go on site
    assert [before[n].status for n in names] == ["推荐现场评审"] * 4 + ["节能环保社区"]
    experts = [("李", "市直"), ("王", "岳麓区"), ("赵", "雨花区")]
    f1_by_community = {"一社区": 6, "二社区": 4, "三社区": 6, "四社区": 6}  # F1; A2, A3, B3 all 3
    district = {"四社区": "天心区"}
    review_rows = [
        (e, d, district.get(c, "芙蓉区"), c, 3, 3, 3, f1) for c, f1 in f1_by_community.items() for e, d in experts
    ]
    results = evaluate([book], programme, reviews=[write_reviews(tmp_path / "评审.xlsx", review_rows)])
    after = by_name(results)
    # 二: F1 4 + F2 2 → 96 but review subtotal 13 < 15, so 三 and 四 (96, B 20, review 15) tie at places 2–3
    assert [(after[n].status, after[n]["rank"]) for n in names] == [
        ("示范社区", 1),
        ("节能环保社区", 4),
        ("待审定", 2),
        ("待审定", 2),
        ("节能环保社区", 5),
    ]
    assert after["一社区"].eligibility == []  # its 节能环保社区 title of last year does not block 示范
    assert after["二社区"].reasons == ["评审后排名未进入前 2 名"]
    assert after["五社区"].reasons == ["未参加现场评审"]
    assert results.money()["demonstrations"] == 1
    assert results.money()["total"] == 20_000  # one confirmed title × (10,000 + 10,000)


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


# community: (overrides, (status, city rank, district rank, total)); no review, default quotas
ROWS: dict[str, tuple[dict[str, Any], tuple[str, int, int, str]]] = {
    "一社区": ({"target": DEMO}, ("推荐现场评审", 1, 1, "100.00")),
    "二社区": ({"target": DEMO, "district": "天心区"}, ("推荐现场评审", 1, 1, "100.00")),  # tied on every key
    "三社区": ({"target": DEMO, "F2": "无"}, ("推荐现场评审", 5, 2, "96.00")),  # after 四, 五 at 100
    "四社区": ({"district": "长沙县"}, ("未通过", 1, 1, "100.00")),  # Q1, ranked in 长沙县
    "五社区": ({"district": "天心区", "occupancy": "50%"}, ("未通过", 1, 1, "100.00")),  # V1
    "六社区": ({"district": "岳麓区", **AT_80}, ("节能环保社区", 7, 2, "80.00")),
    # Q2, and a blank 区级称号获得年份 sorts after 三's 2021 at 96
    "七社区": ({"district": "岳麓区", "district_title_year": None, "F2": "无"}, ("未通过", 6, 1, "96.00")),
}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.permutations(list(ROWS)), st.permutations(["a.xlsx", "b.xlsx", "c.xlsx"]))
def test_results_do_not_depend_on_row_or_file_order(
    write_submission: WriteBook,
    programme: Programme,
    tmp_path_factory: pytest.TempPathFactory,
    order: list[str],
    names: list[str],
) -> None:
    folder = tmp_path_factory.mktemp("books")
    rows = [full_row(community=name, **ROWS[name][0]) for name in order]
    books = [write_submission(rows[k::3], name=name, folder=folder) for k, name in enumerate(names)]
    results = by_name(evaluate(books, programme))
    got = {n: (r.status, r["rank"], r.district_rank, str(r.total)) for n, r in results.items()}
    assert got == {name: expected for name, (_, expected) in ROWS.items()}


SAMPLE_DATA = Path(__file__).resolve().parents[1] / "sample_data"


@pytest.mark.parametrize("year", ["", "green"])  # two tiers with money; one tier without
@pytest.mark.parametrize("stage", ["before", "after"])
def test_reasons_made_in_arrow_are_the_reasons_listed(year: str, stage: str) -> None:
    """judge words every row's reasons once, as Python lists and as Arrow lists put together over
    the columns (what the workbook and --json take): row for row the same, in the same order."""
    folder = SAMPLE_DATA / year
    programme = load_programme(folder / "greencomm.toml" if year else None, 2026)
    reviews = [folder / "reviews"] if stage == "after" else None
    register = SAMPLE_DATA / "register.xlsx" if stage == "after" and not year else None
    results = evaluate([folder / "submissions", SAMPLE_DATA / "flawed"], programme, reviews, register)
    assert results.reason_lists is not None
    listed = results.table.reasons.tolist()
    assert results.reason_lists.to_pylist() == listed
    assert any(len(r) >= 2 for r in listed)  # rows with several reasons among them
    assert results.in_arrow("reasons").to_pylist() == results.ordered().reasons.tolist()  # type: ignore[union-attr]


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_reasons_put_together_in_arrow_keep_each_rows_order(data: st.DataObject) -> None:
    """Vetoes, then eligibility (lists, for the rows told why), then each other kind in turn (a
    text for some rows): the Arrow lists are what appending them row by row gives."""
    import numpy as np

    from greencomm.judge import shortlist

    n = data.draw(st.integers(0, 12))
    visit = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    words = st.lists(st.lists(st.text(max_size=3), max_size=3), min_size=1, max_size=4)
    listed = []
    for _ in range(2):
        kinds = data.draw(words)
        codes = np.array(data.draw(st.lists(st.integers(0, len(kinds) - 1), min_size=n, max_size=n)), dtype=np.int64)
        listed.append(shortlist._Listed(codes, kinds))
    sparse = []
    for _ in range(data.draw(st.integers(0, 4))):
        rows = np.array(sorted(data.draw(st.sets(st.sampled_from(np.flatnonzero(visit).tolist())))
                               if visit.any() else []), dtype=np.int64)  # fmt: skip
        texts = data.draw(st.lists(st.text(max_size=4), min_size=1, max_size=3))
        codes = np.array(data.draw(st.lists(st.integers(0, len(texts) - 1), min_size=len(rows), max_size=len(rows))),
                         dtype=np.int64)  # fmt: skip
        sparse.append(shortlist._Sparse(rows, codes, texts))
    expected: list[list[str]] = [[] for _ in range(n)]
    for i in np.flatnonzero(visit).tolist():
        expected[i] = [*listed[0].words[listed[0].codes[i]], *listed[1].words[listed[1].codes[i]]]
    for kind in sparse:
        for i, code in zip(kind.rows.tolist(), kind.codes.tolist(), strict=True):
            expected[i].append(kind.texts[code])
    assert shortlist._in_arrow(n, visit, listed, sparse).to_pylist() == expected


SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"


@pytest.mark.parametrize("source", ["drawn", "reviewed", "flawed", "green"])
def test_points_from_the_columns_as_parsed_are_the_points_of_the_values(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, source: str
) -> None:
    """Judging takes a scored column's integers from the column as parsed (judge.results.as_parsed,
    made from the texts the numbers were read from): the points are those of the typed values."""
    config = SAMPLE / "green" / "greencomm.toml" if source == "green" else None
    folder = {"reviewed": SAMPLE / "submissions", "flawed": SAMPLE / "flawed",
              "green": SAMPLE / "green" / "submissions"}.get(source) or drawn_year(tmp_path / "year")  # fmt: skip
    reviews = [SAMPLE / "reviews"] if source == "reviewed" else None
    programme = load_programme(config, YEAR)
    made: list[str] = []
    kept = cents.as_parsed
    monkeypatch.setattr(cents, "as_parsed", lambda coded, at: made.append("") or kept(coded, at))
    parsed = evaluate([folder], programme, reviews)
    assert len(made) >= len(programme.rubric.items) // 2, "the scored columns are taken as parsed"
    monkeypatch.setattr(judged, "as_parsed", lambda inputs, frame: lambda key: None)
    converted = evaluate([folder], programme, reviews)
    if source == "drawn":
        assert len(parsed.inputs.submissions.frame) > len(parsed.table), "a workbook replaced: rows left out"
    pd.testing.assert_frame_equal(parsed.scores.cents, converted.scores.cents)
    pd.testing.assert_frame_equal(parsed.table, converted.table)


def test_columns_in_arrow_are_the_ordered_columns(tmp_path: Path) -> None:
    """Results.in_arrow converts a column in the table's order and puts it in rank order in Arrow:
    row for row the column of `ordered()` (a drawn year: every name differs, ties in pinyin order)."""
    results = evaluate([drawn_year(tmp_path / "year")], load_programme(None, YEAR))
    ordered = results.ordered()
    assert not ordered.index.equals(results.table.index), "rank order is not the table's order"
    for column in ("district", "street", "community", "target", "review_source", "vetoes", "eligibility", "status",
                   "reasons"):  # fmt: skip
        arrow = results.in_arrow(column)
        assert arrow is not None, column
        assert arrow.to_pylist() == [None if v is None or v != v else v for v in ordered[column].tolist()], column
