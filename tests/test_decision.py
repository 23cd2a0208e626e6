"""greencomm name: the naming decision after the 公示 (docs/rules.md#naming-decision) — every final
title, grouped by title and district in the programme's district order, with counts that add up;
refused before the notice period ends (naming the date it may be run) and while a tie is undecided;
objections said as they were found; a one-tier programme's decision has one list."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from greencomm.cli import app
from greencomm.errors import RegisterError
from greencomm.programme import load_programme
from greencomm.write.decision import naming
from test_documents import FINAL, SAMPLE, _docx_text, _md_text

runner = CliRunner()
STEM = "2026年节能环保社区命名决定"
GREEN = SAMPLE / "green"


@pytest.fixture(scope="module")
def shortlisted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("named")
    run = runner.invoke(app, ["shortlist", *FINAL, "--json", "-q", "-o", str(out / "名单.xlsx")])
    assert run.exit_code == 0, run.stderr
    return out / "名单.xlsx", json.loads(run.stdout)


def name(lists: Path, out: Path, *more: str, year: str = "2026") -> object:
    return runner.invoke(app, ["name", str(lists), "--year", year, "--notice-start", "2026-12-01", "-o", str(out),
                               "-q", *more])  # fmt: skip


def grouped(lines: list[str]) -> dict[str, list[tuple[str, int, list[str]]]]:
    """List heading → [(district, count, communities)] as the document shows them."""
    found: dict[str, list[tuple[str, int, list[str]]]] = {}
    current: list[tuple[str, int, list[str]]] = []
    district: tuple[str, int] | None = None
    for line in (t.strip() for t in lines):
        if m := re.fullmatch(r"(?:[一二三四五六七八九十]+、)?([^：；\s]+)名单（(\d+)个）", line):
            current = found.setdefault(m[1], [])
        elif m := re.fullmatch(r"(?:（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、)(\S+?)（(\d+)个）", line):
            district = (m[1], int(m[2]))
        elif district is not None and line:
            current.append((*district, line.split("、")))
            district = None
    return found


def test_after_the_notice_every_final_title_is_named_by_district(
    shortlisted: tuple[Path, dict], tmp_path: Path
) -> None:
    lists, shortlist = shortlisted
    run = name(lists, tmp_path, "--date", "2026-12-08")  # 5 working days from Tue 1 Dec end on Mon 7 Dec
    assert run.exit_code == 0, run.stderr
    programme = load_programme(year=2026)
    titled = {"示范社区": "xx市节能环保示范社区", "节能环保社区": "xx市节能环保社区"}
    for read in (_md_text, _docx_text):
        lines = read(tmp_path / f"{STEM}.{'md' if read is _md_text else 'docx'}")
        shown = grouped(lines)
        assert list(shown) == ["xx市节能环保示范社区", "xx市节能环保社区"]  # the demonstration title first
        for status, heading in titled.items():
            expected = [c for c in shortlist["communities"] if c["status"] == status]
            districts = [d for d, _, _ in shown[heading]]
            assert districts == [d for d in programme.settings.districts if d in {c["district"] for c in expected}]
            for district, count, communities in shown[heading]:
                assert count == len(communities)
                assert sorted(communities) == sorted(c["community"] for c in expected if c["district"] == district)
            total = sum(count for _, count, _ in shown[heading])
            assert total == len(expected) and f"{heading}名单（{total}个）" in "".join(lines)
        text = "".join(lines)
        assert "公示期间无异议" in text and "2026年12月1日至2026年12月7日" in text
        assert "xx市创建节能环保社区工作领导小组办公室" in text and "2026年12月8日" in text


def test_before_the_notice_ends_it_is_refused_with_the_date(shortlisted: tuple[Path, dict], tmp_path: Path) -> None:
    lists, _ = shortlisted
    run = name(lists, tmp_path, "--date", "2026-12-07")
    assert run.exit_code == 1
    assert "2026-12-08" in run.stderr and "公示期满后方可命名" in run.stderr
    assert not list(tmp_path.iterdir())


def test_an_undecided_tie_is_refused() -> None:
    """21 reviewed applicants equal on every key for 20 places: all 待审定, nothing is named."""
    from judge.test_objections import candidates, run

    programme = load_programme(year=2026)
    results = run(programme, candidates(programme, [Decimal(90)] * 21), None)
    assert set(results.table.status) == {"待审定"}
    with pytest.raises(RegisterError, match=r"待审定.*发布命名决定"):
        naming(results, dt.date(2026, 12, 1), dt.date(2026, 12, 8))


def test_objections_are_said_as_found(shortlisted: tuple[Path, dict], tmp_path: Path) -> None:
    lists, shortlist = shortlisted
    demo = next(c for c in shortlist["communities"] if c["status"] == "示范社区")
    other = next(c for c in shortlist["communities"] if c["status"] == "节能环保社区")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "公示异议"
    sheet.append(["所属区", "社区名称", "结论", "说明"])
    sheet.append([demo["district"], demo["community"], "成立", "申报数据不实"])
    sheet.append([other["district"], other["community"], "不成立", "与事实不符"])
    book.save(tmp_path / "异议.xlsx")
    run = name(lists, tmp_path / "out", "--date", "2026-12-08", "--objections", str(tmp_path / "异议.xlsx"))
    assert run.exit_code == 0, run.stderr
    text = "".join(_md_text(tmp_path / "out" / f"{STEM}.md"))
    assert "公示期间共收到异议2件，经核查，1件成立、1件不成立" in text
    assert f"异议成立的{demo['district']}{demo['community']}不予命名" in text
    demos = len([c for c in shortlist["communities"] if c["status"] == "示范社区"])
    assert f"xx市节能环保示范社区名单（{demos - 1}个）" in text  # its place stays empty without refill


def test_a_one_tier_programme_names_one_list(tmp_path: Path) -> None:
    args = ["--config", str(GREEN / "greencomm.toml"), "--year", "2026"]
    lists = tmp_path / "名单.xlsx"
    run = runner.invoke(app, ["shortlist", str(GREEN / "submissions"), "--reviews", str(GREEN / "reviews"), *args,
                              "-q", "-o", str(lists), "--json"])  # fmt: skip
    assert run.exit_code == 0, run.stderr
    titled = [c for c in json.loads(run.stdout)["communities"] if c["status"] == "绿色社区"]
    out = tmp_path / "out"
    run = runner.invoke(app, ["name", str(lists), *args, "--notice-start", "2026-12-01", "--date", "2026-12-08",
                              "-o", str(out), "-q"])  # fmt: skip
    assert run.exit_code == 0, run.stderr
    (md,) = out.glob("*.md")
    lines = _md_text(md)
    shown = grouped(lines)
    assert len(shown) == 1
    ((heading, districts),) = shown.items()
    assert heading.endswith("绿色社区") and sum(n for _, n, _ in districts) == len(titled)
    text = "".join(lines)
    assert "示范" not in text and "节能环保" not in text and re.search(r"^一、", "\n".join(lines), re.M)


def test_the_notice_and_the_money_follow_an_upheld_objection(shortlisted: tuple[Path, dict], tmp_path: Path) -> None:
    """An upheld objection on a 示范社区 with refill = true: the 公示 leaves it out, the next 示范
    candidate in order comes in, and the money stays that of 20 places."""
    lists, shortlist = shortlisted
    ordered = sorted(shortlist["communities"], key=lambda c: c["rank"])
    demo = [c for c in ordered if c["status"] == "示范社区"]
    withdrawn = demo[0]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "公示异议"
    sheet.append(["所属区", "社区名称", "结论", "说明"])
    sheet.append([withdrawn["district"], withdrawn["community"], "成立", "申报数据不实"])
    book.save(tmp_path / "异议.xlsx")
    config = tmp_path / "greencomm.toml"
    config.write_text("[quotas]\nrefill = true\n", encoding="utf-8")
    common = ["--year", "2026", "--config", str(config), "--objections", str(tmp_path / "异议.xlsx")]
    run = runner.invoke(app, ["shortlist", str(lists), *common, "--json", "-q", "-o", str(tmp_path / "最终名单.xlsx")])
    assert run.exit_code == 0, run.stderr
    after = {(c["district"], c["community"]): c for c in json.loads(run.stdout)["communities"]}
    moved_in = [key for key, c in after.items() if c["status"] == "示范社区" and key not in
                {(d["district"], d["community"]) for d in demo}]  # fmt: skip
    assert len(moved_in) == 1 and after[(withdrawn["district"], withdrawn["community"])]["status"] == "未通过"
    assert json.loads(run.stdout)["money"]["demonstrations"] == 20
    notice = runner.invoke(app, ["publicize", str(tmp_path / "最终名单.xlsx"), "--year", "2026", "--config",
                                 str(config), "--start", "2026-12-01", "-o", str(tmp_path / "公示"), "-q"])  # fmt: skip
    assert notice.exit_code == 0, notice.stderr
    text = "".join(_md_text(next((tmp_path / "公示").glob("*.md"))))
    assert withdrawn["community"] not in text and moved_in[0][1] in text
