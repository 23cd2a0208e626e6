"""The multi-year target in the year's summary (`[target] titles, from, to`): titles so far from the
register as they stand (revoked ones left out), this year's from the results until the register
holds them, per year and per district, against the target."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import YEAR, part_of
from greencomm.errors import ConfigError
from greencomm.programme import Programme, load_programme
from greencomm.write.target import target_text
from judge.test_objections import DISTINCT, candidates, run


def with_target(tmp_path: Path, titles: int, first: int, last: int) -> Programme:
    config = tmp_path / "greencomm.toml"
    config.write_text(f"[target]\ntitles = {titles}\nfrom = {first}\nto = {last}\n", encoding="utf-8")
    return load_programme(config, YEAR)


REGISTER = [
    {"year": 2024, "district": "芙蓉区", "community": "甲社区", "title": "节能环保社区", "state": "有效"},
    {"year": 2025, "district": "芙蓉区", "community": "乙社区", "title": "节能环保社区", "state": "有效"},
    {"year": 2025, "district": "天心区", "community": "丙社区", "title": "节能环保示范社区", "state": "有效"},
    {"year": 2025, "district": "天心区", "community": "丁社区", "title": "节能环保社区", "state": "撤销"},
]


def test_titles_so_far_against_the_target(tmp_path: Path) -> None:
    programme = with_target(tmp_path, 40, 2025, 2027)
    results = run(programme, candidates(programme, DISTINCT), None)
    results.inputs.register = part_of(REGISTER, "名录.xlsx", "历年命名名录")
    named = int(results.table.status.isin(["示范社区", "节能环保社区"]).sum())  # this year's, all 芙蓉区
    text = target_text(results, final=False)
    done = 2 + named  # 2025: 乙 and 丙 (丁 revoked); 2024 is before the target
    assert text.startswith("创建目标：2025年至2027年命名节能环保社区40个（不含已撤销称号）。")
    assert f"截至2026年累计命名{done}个（2025年2个、2026年拟命名{named}个；芙蓉区{1 + named}个、天心区1个）" in text
    assert f"完成目标的{done * 100 / 40:.1f}%，尚差{40 - done}个。" in text
    assert f"2026年{named}个" in target_text(results, final=True)


def test_a_target_met_and_a_target_whose_years_are_over(tmp_path: Path) -> None:
    met = with_target(tmp_path, 3, 2025, 2027)
    results = run(met, candidates(met, DISTINCT[:2]), None)
    results.inputs.register = part_of(REGISTER, "名录.xlsx", "历年命名名录")
    assert target_text(results, final=True).endswith("已完成目标。")
    over = with_target(tmp_path, 10, 2023, 2025)  # the programme year 2026 is past it: this year's do not count
    results = run(over, candidates(over, DISTINCT[:2]), None)
    results.inputs.register = part_of(REGISTER, "名录.xlsx", "历年命名名录")
    text = target_text(results, final=True)
    assert "截至2025年累计命名3个（2024年1个、2025年2个；" in text and text.endswith("目标期已满，尚差7个。")


def test_no_target_no_paragraph(programme: Programme, tmp_path: Path) -> None:
    results = run(programme, candidates(programme, DISTINCT[:2]), None)
    assert target_text(results, final=True) == ""
    later = with_target(tmp_path, 10, 2030, 2032)
    assert target_text(run(later, candidates(later, DISTINCT[:2]), None), final=True) == ""


def test_a_target_that_ends_before_it_starts_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "greencomm.toml"
    config.write_text("[target]\ntitles = 100\nfrom = 2014\nto = 2012\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="from"):
        load_programme(config, YEAR)
