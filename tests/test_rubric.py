import tomllib
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from greencomm.cli import app
from greencomm.errors import ConfigError
from greencomm.programme import load_programme
from greencomm.programme.rubric import KINDS, default_rubric_text, load_rubric, parse_rubric

runner = CliRunner()


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


# ---------------------------------------------------------------- numbers that are not numbers
@pytest.mark.parametrize(
    ("mutate", "named"),
    [
        (lambda d: _item(d, "A1").update(max=float("nan")), "my.toml: item A1: 字段 'max': "),
        (lambda d: _item(d, "B1").update(hi=float("inf")), "my.toml: item B1: 字段 'hi': "),
        (lambda d: _item(d, "B1").update(lo=float("-inf")), "my.toml: item B1: 字段 'lo': "),
        (lambda d: _item(d, "D3").update(per=float("inf")), "my.toml: item D3: 字段 'per': "),
        (lambda d: _item(d, "F2")["levels"].update(区市级=float("nan")), "my.toml: item F2 levels: 字段 '区市级': "),
        (lambda d: d["levels"].update(pass_total=float("nan")), "my.toml: levels: 字段 'pass_total': "),
        (lambda d: d["levels"].update(category_share=float("nan")), "my.toml: levels: 字段 'category_share': "),
        (lambda d: d["vetoes"][0].update(value=float("-inf")), "my.toml: veto V1: 字段 'value': "),
        (lambda d: d["categories"][0].update(max=float("inf")), "my.toml: category #1: 字段 'max': "),
        (lambda d: d.update(total=float("inf")), "my.toml: rubric: 字段 'total': "),
    ],
)
def test_nan_and_inf_are_refused_by_item_and_field(mutate: Any, named: str) -> None:
    message = _broken(mutate)
    assert message.startswith(named)
    assert "有限" in message and "finite" in message


def test_inf_in_a_rubric_file_is_an_error_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "r.toml").write_text(default_rubric_text().replace("hi = 100", "hi = inf", 1), encoding="utf-8")
    (tmp_path / "greencomm.toml").write_text('rubric = "r.toml"\n', encoding="utf-8")
    result = runner.invoke(app, ["rubric", "--config", str(tmp_path / "greencomm.toml")])
    assert result.exit_code == 1
    assert "错误" in result.stderr and "内部错误" not in result.stderr
    assert f"{tmp_path / 'r.toml'}: item B1: 字段 'hi': " in result.stderr


# ---------------------------------------------------------------- keys nobody reads
@pytest.mark.parametrize(
    ("mutate", "named", "nearest"),
    [
        (lambda d: d.update(titel="x"), "my.toml: rubric: 字段 'titel': ", "'title'"),
        (lambda d: d["categories"][1].update(maxx=20), "my.toml: category #2: 字段 'maxx': ", "'max'"),
        (lambda d: _item(d, "B1").update(hii=90), "my.toml: item B1: 字段 'hii': ", "'hi'"),
        (lambda d: _item(d, "E3").update(ratio=1), "my.toml: item E3: 字段 'ratio': ", "'ratio_of'"),
        (lambda d: d["vetoes"][0].update(feild="入住率(%)"), "my.toml: veto V1: 字段 'feild': ", "'field'"),
        (lambda d: d["levels"].update(pass_totl=70), "my.toml: levels: 字段 'pass_totl': ", "'pass_total'"),
        (lambda d: d["ordering"].update(categroy="C"), "my.toml: ordering: 字段 'categroy': ", "'category'"),
        (
            lambda d: d["eligibility"]["Q3"].update(repeat_year=2),
            "my.toml: eligibility.Q3: 字段 'repeat_year': ",
            "'repeat_years'",
        ),
        (
            lambda d: d["eligibility"]["Q4"].update(recomend="同意"),
            "my.toml: eligibility.Q4: 字段 'recomend': ",
            "'recommend'",
        ),
        (lambda d: d["eligibility"]["Q1"].update(nmae="x"), "my.toml: eligibility.Q1: 字段 'nmae': ", "'name'"),
        (lambda d: d["eligibility"].update(Q5={"name": "x", "rule": "y"}), "my.toml: eligibility: 字段 'Q5': ", ""),
    ],
)
def test_unknown_keys_are_named_with_the_nearest_known_key(mutate: Any, named: str, nearest: str) -> None:
    message = _broken(mutate)
    assert message.startswith(named)
    assert "未知" in message and "unknown" in message
    assert (nearest in message and "did you mean" in message) if nearest else "did you mean" not in message


def test_a_key_of_another_kind_is_named() -> None:
    message = _broken(lambda d: _item(d, "B1").update(per=1))
    assert message.startswith("my.toml: item B1: 字段 'per': ")
    assert "ramp" in message


def test_eligibility_parameters_stay_data() -> None:
    data = _data()
    data["eligibility"]["Q3"]["repeat_years"] = 2
    data["eligibility"]["Q4"]["recommend"] = "同意"
    data["eligibility"]["Q3"]["note"] = "x"  # Q3 takes no note: refused, the others still work
    with pytest.raises(ConfigError) as info:
        parse_rubric(data, "my.toml")
    assert str(info.value).startswith("my.toml: eligibility.Q3: 字段 'note': ")
    del data["eligibility"]["Q3"]["note"]
    rubric = parse_rubric(data, "my.toml")
    assert (rubric.repeat_years, rubric.recommend_value) == (2, "同意")


# ---------------------------------------------------------------- levels in order
def test_pass_threshold_above_demonstration_threshold_in_the_rubric() -> None:
    message = _broken(lambda d: d["levels"].update(pass_total=95))
    assert message.startswith("my.toml: levels: pass_total = 95 高于 demonstration_total = 90 / ")


# ---------------------------------------------------------------- columns a rubric names
def _programme_with(tmp_path: Path, old: str, new: str) -> str:
    text = default_rubric_text()
    assert text.count(old) == 1
    (tmp_path / "r.toml").write_text(text.replace(old, new, 1), encoding="utf-8")
    (tmp_path / "g.toml").write_text('rubric = "r.toml"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_programme(tmp_path / "g.toml", 2026)
    return str(info.value)


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        ('field = "E6"', 'field = "E7"', "veto V5: 字段 'field': 申报汇总表没有 'E7' 这一列"),
        (
            'other = "环境投诉件数"',
            'other = "投诉件数合计"',
            "veto V3: 字段 'other': 申报汇总表没有 '投诉件数合计' 这一列",
        ),
        (
            'ratio_of = "常住人口"\nlo',
            'ratio_of = "人口"\nlo',
            "item E3: 字段 'ratio_of': 申报汇总表没有 '人口' 这一列",
        ),
    ],
)
def test_a_reference_to_no_column_is_refused_when_loading(tmp_path: Path, old: str, new: str, named: str) -> None:
    message = _programme_with(tmp_path, old, new)
    assert message.startswith(f"{tmp_path / 'r.toml'}: {named}")


def test_cli_refuses_a_veto_on_no_column(tmp_path: Path) -> None:
    (tmp_path / "r.toml").write_text(default_rubric_text().replace('field = "E6"', 'field = "E7"'), encoding="utf-8")
    (tmp_path / "greencomm.toml").write_text('rubric = "r.toml"\n', encoding="utf-8")
    result = runner.invoke(app, ["rubric"])
    assert result.exit_code == 1
    assert "错误" in result.stderr and "内部错误" not in result.stderr
    assert f"{tmp_path / 'r.toml'}: veto V5: 字段 'field': " in result.stderr


# ---------------------------------------------------------------- the file itself
@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-16"])
def test_a_rubric_saved_by_old_notepad_is_read(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "r.toml"
    path.write_bytes(default_rubric_text().encode(encoding))
    rubric = load_rubric(path)
    assert rubric.source == str(path)
    assert rubric.item("F2").levels == load_rubric().item("F2").levels
    assert rubric.eligibility["Q1"] == load_rubric().eligibility["Q1"]


def test_a_rubric_that_is_not_text_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "r.toml"
    path.write_bytes(b'title = "\x80\xff"\n')
    with pytest.raises(ConfigError) as info:
        load_rubric(path)
    assert str(info.value).startswith(f"{path}: ")
    assert "UTF-8" in str(info.value) and "GB18030" in str(info.value)


def test_cli_refuses_a_rubric_that_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "评分标准").mkdir()
    (tmp_path / "greencomm.toml").write_text('rubric = "评分标准"\n', encoding="utf-8")
    result = runner.invoke(app, ["rubric", "--config", str(tmp_path / "greencomm.toml")])
    assert result.exit_code == 1
    assert "错误" in result.stderr and "内部错误" not in result.stderr
    assert f"{tmp_path / '评分标准'}: " in result.stderr
    assert "文件夹" in result.stderr and "folder" not in result.stderr  # one language at a time
    english = runner.invoke(app, ["rubric", "--config", str(tmp_path / "greencomm.toml")], env={"GREENCOMM_LANG": "en"})
    assert english.exit_code == 1 and f"{tmp_path / '评分标准'}: " in english.stderr
    assert "folder" in english.stderr and "文件夹" not in english.stderr


def test_the_q3_window_is_whole_years() -> None:
    text = default_rubric_text().replace("repeat_years = 3", "repeat_years = 2.5")
    assert "repeat_years = 2.5" in text
    with pytest.raises(ConfigError, match=r"eligibility\.Q3: 字段 'repeat_years'.*whole number of years"):
        parse_rubric(tomllib.loads(text), "r.toml")
