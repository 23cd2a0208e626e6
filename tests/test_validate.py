"""validate: every rule of the district workbook (docs/rules.md#district-workbook), on small workbooks built here."""

import datetime as dt
from pathlib import Path

import openpyxl

from conftest import YEAR, WriteBook, valid_row
from greencomm.api import validate
from greencomm.problems import Problem
from greencomm.programme import Programme


def _codes(problems: list[Problem]) -> set[tuple[str, str]]:
    return {(p.cell, p.code) for p in problems}


def test_valid_rows_have_no_problem(write_submission: WriteBook, programme: Programme) -> None:
    path = write_submission([valid_row(), valid_row(community="文庙坪社区", target="节能环保示范社区")])
    report = validate([path], programme)
    assert report.problems == []
    assert len(report.submissions.frame) == 2


def test_header_found_below_title_and_notes_rows(write_submission: WriteBook, programme: Programme) -> None:
    path = write_submission([valid_row()], title=True)
    book = openpyxl.load_workbook(path)
    book.active.insert_rows(2)
    book.active["A2"] = "填报说明：百分比可填85%"
    book.save(path)
    report = validate([path], programme)
    assert report.problems == []
    assert report.submissions.frame.iloc[0]["_row"] == 4


def test_header_variants_are_matched(write_submission: WriteBook, programme: Programme) -> None:
    headers = {
        "households": "户数(户)",
        "occupancy": "入住率",
        "B1": "Ｂ１",
        "C3": "生活垃圾分类覆盖率（%）",
        "A2": "A2 创建方案落实到人",
        "E6": "居民满意率(%)",
        "street": " 所属\n街道 ",
    }
    path = write_submission([valid_row()], headers=headers)
    assert validate([path], programme).problems == []


def test_each_bad_cell_is_named(write_submission: WriteBook, programme: Programme) -> None:
    rows = [
        valid_row(
            occupancy="120%",
            households="12.5",
            penalty="也许",
            community_type="别墅区",
            district_title_year="二〇二一",
            phone="12345",
            fill_date="九月底",
            A2=4,
        )
    ]
    report = validate([write_submission(rows, title=False)], programme)
    assert _codes(report.problems) == {
        ("H2", "percent-out-of-range"),
        ("F2", "not-an-integer"),
        ("M2", "invalid-yes-no"),
        ("E2", "invalid-choice"),
        ("J2", "invalid-year"),
        ("AV2", "invalid-phone"),
        ("AW2", "invalid-date"),
        ("S2", "number-out-of-range"),
    }
    assert all(p.is_error and p.file == "芙蓉区.xlsx" and p.sheet == "申报汇总表" for p in report.problems)


def test_cross_field_rules(write_submission: WriteBook, programme: Programme) -> None:
    rows = [
        valid_row(community="甲社区", complaints=3, complaints_closed=5),
        valid_row(community="乙社区", city_title="节能环保社区", city_title_year=None),
        valid_row(community="丙社区", city_title="节能环保社区", city_title_year=2030),
        valid_row(community="丁社区", E3=10_000, population=9_000),
    ]
    report = validate([write_submission(rows, title=False)], programme)
    errors = {(p.cell, p.code) for p in report.problems if p.is_error}
    assert errors == {
        ("O2", "closed-exceeds-total"),
        ("L3", "city-title-year-missing"),
        ("L4", "year-in-future"),
        ("AO5", "ratio-exceeds-base"),
    }


def test_veto_facts_are_not_errors(write_submission: WriteBook, programme: Programme) -> None:
    rows = [valid_row(occupancy="50%", penalty="有", complaints=4, complaints_closed=2, incident="有", E6="55%")]
    assert not validate([write_submission(rows)], programme).has_errors


def test_eligibility_and_lateness_are_warnings(write_submission: WriteBook, programme: Programme) -> None:
    rows = [
        valid_row(community="甲社区", district="长沙县"),
        valid_row(community="乙社区", district_title_year=None),
        valid_row(community="丙社区", district_title_year=YEAR + 1),
        valid_row(community="丁社区", city_title="节能环保社区", city_title_year=YEAR - 1),
        valid_row(community="戊社区", recommendation="不同意推荐"),
        valid_row(community="己社区", fill_date=dt.date(YEAR, 10, 8)),
        valid_row(community="庚社区", city_title="节能环保社区", city_title_year=YEAR - 3),  # 3 years ago: free
        valid_row(
            community="辛社区", city_title="节能环保社区", city_title_year=YEAR - 1, target="节能环保示范社区"
        ),  # may apply for 示范
    ]
    report = validate([write_submission(rows, title=False)], programme)
    assert not report.has_errors
    assert _codes(report.problems) == {
        ("B2", "eligibility-q1"),
        ("J3", "eligibility-q2"),
        ("J4", "eligibility-q2"),
        ("K5", "eligibility-q3"),
        ("Q6", "eligibility-q4"),
        ("AW7", "late-submission"),
    }


def test_duplicates_across_files_name_both_places(
    write_submission: WriteBook, programme: Programme, tmp_path: Path
) -> None:
    first = write_submission([valid_row()], name="a.xlsx", title=False)
    # 天心区's workbook, which also lists 芙蓉区's 韭菜园社区: not a resubmission of 芙蓉区's (that one
    # would replace a.xlsx: tests/test_mistakes.py), but the same community twice
    others = [valid_row(district="天心区", community=f"天心{n}社区") for n in (1, 2)]
    second = write_submission([*others, valid_row(community=" 韭菜园社区\u3000")], name="b.xlsx", title=False)
    report = validate([second, first], programme)  # the order given does not matter
    [dup] = report.problems
    assert (dup.code, dup.file, dup.cell) == ("duplicate-community", "b.xlsx", "D4")
    assert "a.xlsx 申报汇总表!D2" in dup.message()


def test_missing_column_and_unknown_column(write_submission: WriteBook, programme: Programme) -> None:
    path = write_submission([valid_row()], drop=("population",), headers={"seq": "编号备注"}, title=False)
    report = validate([path], programme)
    assert {(p.code, p.field or p.value) for p in report.problems} == {
        ("missing-column", "常住人口"),
        ("unknown-column", "编号备注"),
    }


def test_not_a_workbook_is_reported_and_others_go_on(
    write_submission: WriteBook, programme: Programme, tmp_path: Path
) -> None:
    good = write_submission([valid_row()])
    bad = tmp_path / "假的.xlsx"
    bad.write_text("所属区,社区名称\n芙蓉区,韭菜园社区\n", encoding="utf-8")
    report = validate([tmp_path], programme)
    assert [p.code for p in report.problems] == ["not-a-workbook"]
    assert report.problems[0].file == "假的.xlsx"
    assert len(report.submissions.frame) == 1 and good.exists()


def test_lock_files_are_skipped(write_submission: WriteBook, programme: Programme, tmp_path: Path) -> None:
    write_submission([valid_row()])
    (tmp_path / "~$芙蓉区.xlsx").write_bytes(b"\x00lock")
    report = validate([tmp_path], programme)
    assert report.problems == [] and [f.name for f in report.files] == ["芙蓉区.xlsx"]


def test_stray_note_rows_are_ignored_with_a_warning(write_submission: WriteBook, programme: Programme) -> None:
    path = write_submission([valid_row()], title=False)
    book = openpyxl.load_workbook(path)
    book.active["A4"] = "填表人：王芳"
    book.save(path)
    report = validate([path], programme)
    assert _codes(report.problems) == {("A4", "ignored-row")}


def test_header_only_sheet(write_submission: WriteBook, programme: Programme) -> None:
    report = validate([write_submission([])], programme)
    assert [p.code for p in report.problems] == ["no-data-rows"]


def test_activities_sheet_is_read(write_submission: WriteBook, programme: Programme) -> None:
    acts = [
        (dt.date(YEAR, 3, 1), "培训", "骨干培训", 40),
        (dt.date(YEAR - 1, 12, 1), "宣传", "宣传周", "120"),
        (dt.date(YEAR, 4, 1), "参观", "观摩", 10),
    ]
    report = validate([write_submission([valid_row()], activities=acts)], programme)
    assert _codes(report.problems) == {("A3", "activity-outside-year"), ("B4", "invalid-choice")}
    assert report.inputs.activities["participants"].tolist() == [40, 120, 10]
    assert set(report.inputs.activities["district"]) == {"芙蓉区"}


def test_problems_worded_alike_share_a_text_and_equal_values_worded_apart_keep_their_own() -> None:
    """A template is filled once for every problem that words it alike (a year repeats a few
    warnings thousands of times); values equal to Python but written differently (1, 1.0, True;
    Decimal 1.0 and 1.00) keep their own words, in either language."""
    from decimal import Decimal

    from greencomm import problems

    values = [1, 1.0, True, Decimal("1.0"), Decimal("1.00"), Decimal("1E+1"), "1", None]

    def text(value: object, lang: str) -> str:
        return problems.Problem("number-out-of-range", field="户数", params={"range": value}).text(lang)

    for lang in ("zh", "en"):
        alone = []
        for value in values:  # each filled with nothing kept from another
            problems._FILLED.clear()
            alone.append(text(value, lang))
        assert [text(v, lang) for v in values] == alone  # filled in turn, each after the others
        assert [text(v, lang) for v in reversed(values)] == alone[::-1]
        assert {alone[0], alone[1], alone[2], alone[4]} == {alone[0]} | {alone[1]} | {alone[2]} | {alone[4]}
        assert len({alone[0], alone[1], alone[2], alone[4]}) == 4  # 1, 1.0, True, 1.00 in their own words
