"""The CLI is thin: exit codes, messages, JSON and the files it writes."""

import json
import re
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from conftest import WriteBook, valid_row
from greencomm.api import validate
from greencomm.cli import app
from greencomm.problems import Problem
from greencomm.programme import Programme

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    names = []
    for cmd in app.registered_commands:
        assert cmd.callback is not None
        names.append(cmd.name or cmd.callback.__name__.replace("_", "-"))
    return names


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert re.match(r"greencomm \d+\.\d+", result.stdout)


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert runner.invoke(app, ["--help"]).exit_code == 0
    for name in _commands():
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, name
        assert f"greencomm {name}" in readme, f"`greencomm {name}` is not documented in README.md"


def test_validate_clean_exits_0_and_writes_the_problem_list(write_submission: WriteBook, tmp_path: Path) -> None:
    path = write_submission([valid_row()])
    result = runner.invoke(app, ["validate", str(path), "--year", "2026", "-o", "out"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "问题清单.xlsx").exists()
    assert not list((tmp_path / "out").glob("*_问题标注.xlsx"))


def test_validate_errors_exit_1_with_annotated_copy(write_submission: WriteBook, tmp_path: Path) -> None:
    path = write_submission(
        [valid_row(occupancy="120%"), valid_row(community="文庙坪社区", fill_date="2026-10-09")], title=False
    )
    before = path.read_bytes()
    result = runner.invoke(app, ["validate", str(path), "--year", "2026", "-o", "out"])
    assert result.exit_code == 1
    assert "芙蓉区.xlsx 申报汇总表!H2" in result.stderr
    assert "“入住率(%)”应在 0%–100% 之间，填的是“120%”" in result.stderr
    assert path.read_bytes() == before  # the input is never touched
    book = openpyxl.load_workbook(tmp_path / "out" / "芙蓉区_问题标注.xlsx")
    assert book.sheetnames[0] == "问题清单"
    data = book["申报汇总表"]
    assert data["H2"].fill.fgColor.rgb.endswith("FFC7CE")
    assert "应在 0%–100% 之间" in data["H2"].comment.text
    assert data["AW3"].fill.fgColor.rgb.endswith("FFEB9C")
    assert "晚于截止日期" in data["AW3"].comment.text
    listing = book["问题清单"]
    assert listing["C2"].value == "申报汇总表!H2"
    assert listing["C2"].hyperlink.location == "'申报汇总表'!H2"
    assert listing["B2"].value == "错误"


def test_validate_json_is_the_report(write_submission: WriteBook, programme: Programme) -> None:
    path = write_submission([valid_row(phone="12345")], title=False)
    result = runner.invoke(app, ["validate", str(path), "--year", "2026", "--json", "-o", "out"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    direct = validate([path], programme)
    assert doc["problems"] == [p.to_dict("zh") for p in direct.problems]
    assert doc["errors"] == 1 and doc["communities"] == 1
    assert doc["problems"][0]["cell"] == "AV2" and doc["problems"][0]["code"] == "invalid-phone"


def test_english_messages(write_submission: WriteBook) -> None:
    path = write_submission([valid_row(phone="12345")], title=False)
    result = runner.invoke(app, ["validate", str(path), "--year", "2026", "--lang", "en", "-o", "out"])
    assert result.exit_code == 1
    assert "“联系电话” is not a valid phone number: “12345”" in result.stderr


def test_wrong_usage_exits_2(tmp_path: Path) -> None:
    assert runner.invoke(app, ["validate"]).exit_code == 2
    assert runner.invoke(app, ["validate", "x.xlsx", "--lang", "fr"]).exit_code == 2
    missing = runner.invoke(app, ["validate", str(tmp_path / "nope.xlsx")])
    assert missing.exit_code == 2
    assert "nope.xlsx" in missing.stderr


def test_broken_settings_exit_1_with_the_field(write_submission: WriteBook, tmp_path: Path) -> None:
    (tmp_path / "greencomm.toml").write_text("[quotas]\nonsite = 0\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(write_submission([valid_row()]))])
    assert result.exit_code == 1
    assert "quotas.onsite" in result.stderr
    assert "Traceback" not in result.output


def test_output_folder_inside_the_input_folder_is_not_read_back(write_submission: WriteBook, tmp_path: Path) -> None:
    write_submission([valid_row(occupancy="120%")], folder=tmp_path / "in")
    for _ in range(2):
        result = runner.invoke(
            app, ["validate", str(tmp_path / "in"), "--year", "2026", "-o", str(tmp_path / "in" / "out")]
        )
        assert result.exit_code == 1
        assert "共 1 个文件" in result.stderr


def test_rubric_command_shows_every_item() -> None:
    result = runner.invoke(app, ["rubric"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for item in ("A1", "B6", "E3", "F2", "V5", "Q3"):
        assert item in result.stdout


def test_problem_messages_say_how_to_fix() -> None:
    problem = Problem("invalid-phone", "a.xlsx", "申报汇总表", "AV2", "联系电话", "12345")
    assert problem.message() == (
        "a.xlsx 申报汇总表!AV2: “联系电话”不是有效的电话号码：“12345”。手机填11位，固定电话带区号，如 0731-84567890"
    )


def test_warnings_are_listed_by_validate_and_counted_elsewhere(tmp_path: Path) -> None:
    """validate lists every warning at its cell; shortlist (like every other command) lists the
    errors and counts the warnings by code in one line — the same warnings at every step of the
    year buried the errors."""
    sample = Path(__file__).resolve().parents[1] / "sample_data"
    args = [str(sample / "submissions"), "--year", "2026"]
    checked = runner.invoke(app, ["validate", *args, "--json"])
    warnings = [p for p in json.loads(checked.stdout)["problems"] if p["severity"] == "warning"]
    assert warnings and not [p for p in json.loads(checked.stdout)["problems"] if p["severity"] == "error"]
    listed = [line for line in checked.stderr.splitlines() if line.startswith("[警告]")]
    assert len(listed) == len(warnings)
    run = runner.invoke(app, ["shortlist", *args, "-o", str(tmp_path / "名单.xlsx"), "--json"])
    assert run.exit_code == 0, run.stderr
    lines = [line for line in run.stderr.splitlines() if line.startswith("[警告]")]
    codes = {p["code"] for p in warnings}
    assert len(lines) == 1 and f"[警告] {len(warnings)} 条警告（" in lines[0]
    assert all(code in lines[0] for code in codes)
    assert len(json.loads(run.stdout)["problems"]) == len(warnings)  # the JSON keeps every one
