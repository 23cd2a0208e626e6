import tomllib
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from greencomm.errors import ConfigError
from greencomm.programme.rubric import KINDS, default_rubric_text, load_rubric, parse_rubric


def _data() -> dict[str, Any]:
    return tomllib.loads(default_rubric_text())


def test_default_rubric_matches_programme_md() -> None:
    rubric = load_rubric()
    assert rubric.total == 100
    assert [(c.id, c.max) for c in rubric.categories] == [
        ("A", 15),
        ("B", 20),
        ("C", 20),
        ("D", 15),
        ("E", 20),
        ("F", 10),
    ]
    assert len(rubric.items) == 29
    assert {i.kind for i in rubric.items} == set(KINDS)
    assert [i.id for i in rubric.review_items] == ["A2", "A3", "B3", "F1"]
    assert [v.id for v in rubric.vetoes] == ["V1", "V2", "V3", "V4", "V5"]
    assert list(rubric.eligibility) == ["Q1", "Q2", "Q3", "Q4"]
    e3 = rubric.item("E3")
    assert (e3.input, e3.ratio_of, e3.lo, e3.hi) == ("ratio", "常住人口", 1, 3)
    assert rubric.item("D3").per == 2
    assert rubric.item("F2").levels == {"无": 0, "区市级": 2, "省级及以上": 4}
    assert rubric.levels.category_share == Fraction(3, 5)
    assert rubric.repeat_years == 3


def _broken(mutate: Any) -> str:
    data = _data()
    mutate(data)
    with pytest.raises(ConfigError) as info:
        parse_rubric(data, "my.toml")
    return str(info.value)


def _item(data: dict[str, Any], item_id: str) -> dict[str, Any]:
    return next(i for i in data["items"] if i["id"] == item_id)


def test_broken_ramp_names_item_and_field() -> None:
    message = _broken(lambda d: _item(d, "B1").update(hi=40))
    assert "my.toml" in message and "item B1" in message and "'hi'" in message


def test_unknown_kind_names_item() -> None:
    message = _broken(lambda d: _item(d, "C2").update(kind="lottery"))
    assert "item C2" in message and "'kind'" in message


def test_item_maxima_must_add_up_to_the_category() -> None:
    message = _broken(lambda d: _item(d, "A1").update(max=4))
    assert "category A" in message


def test_levels_best_answer_is_the_max() -> None:
    message = _broken(lambda d: _item(d, "F2").update(levels={"无": 0, "省级及以上": 3}))
    assert "item F2" in message and "levels" in message


def test_text_where_a_number_belongs() -> None:
    message = _broken(lambda d: _item(d, "D3").update(per="两分"))
    assert "item D3" in message and "'per'" in message


def test_veto_needs_value_or_other() -> None:
    message = _broken(lambda d: d["vetoes"][2].pop("other"))
    assert "veto V3" in message


def test_broken_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "r.toml"
    path.write_text("[[items]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="不是有效的 TOML"):
        load_rubric(path)


def test_rule_texts_explain_each_kind() -> None:
    rubric = load_rubric()
    assert rubric.item("A1").rule_text() == "是得3分，否得0分"
    assert "每件扣2分" in rubric.item("D3").rule_text()
    assert "≥100%得5分" in rubric.item("B1").rule_text()
