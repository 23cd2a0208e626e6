import datetime as dt
from pathlib import Path

import pytest

from greencomm.errors import ConfigError
from greencomm.programme.settings import load_settings


def test_defaults_need_no_file(tmp_path: Path) -> None:
    settings = load_settings(cwd=tmp_path, year=2026)
    assert settings.city == "xx市"
    assert settings.districts == ["芙蓉区", "天心区", "岳麓区", "开福区", "雨花区", "望城区"]
    assert settings.quotas.demonstration == 20
    assert settings.quotas.onsite == 30
    assert settings.submission_deadline == dt.date(2026, 9, 30)
    assert settings.amount_per_demonstration == 20_000
    assert settings.notice.working_days == 5


def test_year_defaults_to_this_year(tmp_path: Path) -> None:
    assert load_settings(cwd=tmp_path).year == dt.date.today().year


def test_greencomm_toml_in_the_working_folder_overrides(tmp_path: Path) -> None:
    (tmp_path / "greencomm.toml").write_text(
        'city = "长沙市"\nyear = 2025\ndeadline = 2025-10-15\n[quotas]\ndemonstration = 15\n'
        '[[payers]]\nname = "市财政局"\namount = 30000\n',
        encoding="utf-8",
    )
    settings = load_settings(cwd=tmp_path)
    assert (settings.city, settings.year, settings.quotas.demonstration) == ("长沙市", 2025, 15)
    assert settings.submission_deadline == dt.date(2025, 10, 15)
    assert settings.amount_per_demonstration == 30_000


def test_year_option_wins_and_moves_the_deadline(tmp_path: Path) -> None:
    config = tmp_path / "a.toml"
    config.write_text("year = 2025\ndeadline = 2025-10-15\n", encoding="utf-8")
    settings = load_settings(config, year=2026)
    assert settings.year == 2026
    assert settings.submission_deadline == dt.date(2026, 10, 15)


def test_rubric_path_is_relative_to_the_settings_file(tmp_path: Path) -> None:
    config = tmp_path / "conf" / "g.toml"
    config.parent.mkdir()
    config.write_text('rubric = "my_rubric.toml"\n', encoding="utf-8")
    assert load_settings(config).rubric == config.parent / "my_rubric.toml"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[quotas]\ndemonstration = -1\n", "quotas.demonstration"),
        ("districts = []\n", "districts"),
        ('districts = ["芙蓉区", "芙蓉区"]\n', "districts"),
        ("colour = 1\n", "colour"),
        ('[[payers]]\nname = "市环保局"\namount = "一万"\n', "payers.0.amount"),
    ],
)
def test_bad_settings_name_the_field(tmp_path: Path, text: str, named: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(config, year=2026)
    assert str(config) in str(info.value)
    assert named in str(info.value)


def test_not_toml_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("city = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="不是有效的 TOML"):
        load_settings(config)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="找不到设置文件"):
        load_settings(tmp_path / "nope.toml")
