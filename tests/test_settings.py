import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from greencomm.cli import app
from greencomm.errors import ConfigError
from greencomm.programme.settings import load_settings

runner = CliRunner()


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


# ---------------------------------------------------------------- files as clerks save them
SETTINGS_TEXT = (
    'city = "长沙市"\nyear = 2026\ndeadline = 2026-10-08\n[thresholds]\npass_total = 75\ndemonstration_total = 88.5\n'
    '[review]\nself_eval_flag = 4\n[[payers]]\nname = "市财政局"\namount = 30000\n'
)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-16"])
def test_settings_saved_by_old_notepad_are_read(tmp_path: Path, encoding: str) -> None:
    """GBK is old Notepad's "ANSI", utf-8-sig its "UTF-8" (with a BOM), utf-16 its "Unicode"; TOML dates,
    ints and floats keep their types under the strict checks."""
    config = tmp_path / "greencomm.toml"
    config.write_bytes(SETTINGS_TEXT.encode(encoding))
    settings = load_settings(config)
    assert (settings.city, settings.payers[0].name, settings.payers[0].amount) == ("长沙市", "市财政局", 30_000)
    assert (settings.year, settings.submission_deadline) == (2026, dt.date(2026, 10, 8))
    assert (settings.thresholds.pass_total, settings.thresholds.demonstration_total) == (75, 88.5)
    assert settings.review.self_eval_flag == 4


def test_settings_that_are_not_text_name_the_file(tmp_path: Path) -> None:
    config = tmp_path / "greencomm.toml"
    config.write_bytes(b'city = "\x80\xff"\n')  # neither UTF-8 nor GB18030
    with pytest.raises(ConfigError) as info:
        load_settings(config, year=2026)
    message = str(info.value)
    assert message.startswith(f"{config}: ")
    assert "UTF-8" in message and "GB18030" in message


# ---------------------------------------------------------------- what lax parsing would let through
@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[quotas]\ndemonstration = true\n", "quotas.demonstration"),
        ("[quotas]\nonsite = 30.0\n", "quotas.onsite"),
        ('[[payers]]\nname = "市环保局"\namount = true\n', "payers.0.amount"),
        ("[thresholds]\ncategory_share = true\n", "thresholds.category_share"),
        ("[thresholds]\npass_total = false\n", "thresholds.pass_total"),
        ("[thresholds]\ndemonstration_total = inf\n", "thresholds.demonstration_total"),
        ("[review]\nself_eval_flag = inf\n", "review.self_eval_flag"),
    ],
)
def test_booleans_and_non_finite_numbers_are_refused(tmp_path: Path, text: str, named: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(config, year=2026)
    assert str(info.value).startswith(f"{config}: ")
    assert f"  {named}: " in str(info.value)


def test_an_unknown_setting_is_named_with_the_nearest_one(tmp_path: Path) -> None:
    config = tmp_path / "g.toml"
    config.write_text("[quotas]\ndemonstation = 15\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(config, year=2026)
    message = str(info.value)
    assert message.startswith(f"{config}: ")
    assert "  quotas.demonstation: " in message
    assert "'demonstration'" in message


# ---------------------------------------------------------------- thresholds in order
def test_pass_threshold_above_demonstration_threshold_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "g.toml"
    config.write_text("[thresholds]\npass_total = 95\ndemonstration_total = 90\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(config, year=2026)
    message = str(info.value)
    assert message.startswith(f"{config}: ")
    assert "\n  thresholds: pass_total = 95 高于 demonstration_total = 90 / " in message


@pytest.mark.parametrize(
    ("text", "setting", "rubric_field"),
    [
        ("[thresholds]\npass_total = 95\n", "thresholds.pass_total = 95", "levels.demonstration_total = 90"),
        ("[thresholds]\ndemonstration_total = 70\n", "thresholds.demonstration_total = 70", "levels.pass_total = 80"),
    ],
)
def test_a_threshold_override_out_of_order_with_the_rubric_is_refused(
    tmp_path: Path, text: str, setting: str, rubric_field: str
) -> None:
    (tmp_path / "greencomm.toml").write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["rubric"])
    assert result.exit_code == 1
    assert "错误" in result.stderr and "内部错误" not in result.stderr
    assert f"{tmp_path / 'greencomm.toml'}: {setting}" in result.stderr
    assert f"rubric.toml（内置）: {rubric_field}" in result.stderr


def test_an_error_message_keeps_its_brackets(tmp_path: Path) -> None:
    """The terminal shows a message as written: `[limits]` or `[[items]]` in it is text, not markup."""
    from typer.testing import CliRunner

    from greencomm.cli import app

    (tmp_path / "greencomm.toml").write_text("[limits]\nmax_read_mb = 300\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["rubric", "--config", str(tmp_path / "greencomm.toml")])
    assert result.exit_code == 1 and "limits.max_read_mb" in result.stderr
    rubric = tmp_path / "r.toml"
    rubric.write_text('title = "x"\ntotal = 100\n', encoding="utf-8")
    (tmp_path / "g.toml").write_text(f'rubric = "{rubric.name}"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["rubric", "--config", str(tmp_path / "g.toml")])
    assert result.exit_code == 1 and "[[categories]]" in result.stderr, result.stderr
