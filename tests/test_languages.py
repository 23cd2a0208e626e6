"""One language at a time (docs/rules.md#command-line): help, the command line library's own
messages, greencomm's messages and headings in Chinese by default, in English with --lang en or
GREENCOMM_LANG=en — never half of each."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from greencomm.cli import app
from greencomm.languages import library_message, pick

runner = CliRunner()
# what Typer and click say on their own; none of it may reach a clerk reading Chinese
LIBRARY_ENGLISH = re.compile(
    r"Usage:|Options|Arguments|Commands|Show this message|No such|Missing|Try '|Error\b|required\]|default:|"
    r"Invalid value|Got unexpected|<bool>|<list|\{inputs\}|\[OPTIONS\]|COMMAND \[ARGS\]"
)


@pytest.mark.parametrize(
    ("text", "zh", "en"),
    [
        ("out/名单.xlsx: 输出文件与输入文件相同，已拒绝覆盖 / the output is an input file; refused",
         "out/名单.xlsx: 输出文件与输入文件相同，已拒绝覆盖", "out/名单.xlsx: the output is an input file; refused"),
        ("公示期满后方可命名：请于 2026-12-08 起运行 / the notice period ends on 2026-12-07",
         "公示期满后方可命名：请于 2026-12-08 起运行", "the notice period ends on 2026-12-07"),
        ("校验区级申报表 / check district workbooks.\n\n更多说明 — more words.",
         "校验区级申报表\n\n更多说明", "check district workbooks.\n\nmore words."),
        ("x.xlsx: 已被修改 / x.xlsx: changed since written", "x.xlsx: 已被修改", "x.xlsx: changed since written"),
        ("纯中文，没有英文", "纯中文，没有英文", "纯中文，没有英文"),  # not written bilingually: as it is
        ("2026/12/01 / 芙蓉区", "2026/12/01 / 芙蓉区", "2026/12/01 / 芙蓉区"),
    ],
)  # fmt: skip
def test_pick_one_side(text: str, zh: str, en: str) -> None:
    assert pick(text, "zh") == zh
    assert pick(text, "en") == en


def test_library_messages_in_chinese() -> None:
    assert library_message("No such command 'valdate'. Did you mean 'validate'?", "zh") == (
        "没有“valdate”这个命令。是不是要用“validate”？"
    )
    assert library_message("Missing argument '文件或文件夹...'.", "zh") == "缺少参数 文件或文件夹...。"
    assert library_message("Got unexpected extra argument (x)", "zh") == "多出了参数：x。"
    said = library_message("Invalid value for '--start': 应为日期，如 2026-12-01 / must be a date", "zh")
    assert said == "'--start' 的值无效：应为日期，如 2026-12-01"
    assert library_message("Missing argument 'FILES...'.", "en") == "Missing argument 'FILES...'."


def _texts(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "120", **(env or {})})
    return result.exit_code, result.stdout + result.stderr


@pytest.mark.parametrize(
    "args",
    [["--help"], ["score", "--help"], ["register", "--help"], ["register", "add", "--help"], ["valdate"], ["score"],
     ["score", "--bogus"], ["publicize", "x", "--start", "2026-13-01"]],
)  # fmt: skip
def test_chinese_by_default_with_no_english_of_the_library(args: list[str]) -> None:
    code, text = _texts(*args, env={"GREENCOMM_LANG": "zh"})
    assert code in (0, 2), text
    assert not LIBRARY_ENGLISH.search(text), text
    assert re.search(r"[\u4e00-\u9fff]", text)


def test_help_shows_one_language() -> None:
    _, zh = _texts("--help", env={"GREENCOMM_LANG": "zh"})
    assert "用法：" in zh and "校验区级申报表" in zh and "check district workbooks" not in zh
    for args, env in ((["--help", "--lang", "en"], {}), (["--help"], {"GREENCOMM_LANG": "en"})):
        _, en = _texts(*args, env=env)
        assert "Usage:" in en and "Check district workbooks" in en and "校验区级申报表" not in en


def test_errors_in_english_with_lang_en() -> None:
    code, text = _texts("valdate", "--lang", "en")
    assert code == 2 and "No such command 'valdate'" in text and "没有" not in text
    code, text = _texts("score", env={"GREENCOMM_LANG": "en"})
    assert code == 2 and "Missing argument" in text and "缺少" not in text


def test_headings_and_messages_follow_the_language(tmp_path: object) -> None:
    from pathlib import Path

    sample = Path(__file__).resolve().parents[1] / "sample_data" / "submissions"
    out = Path(str(tmp_path))
    code, zh = _texts("score", str(sample), "--year", "2026", "-o", str(out / "a.xlsx"), env={"GREENCOMM_LANG": "zh"})
    assert code == 0 and "2026年 评分（现场评审前）" in zh and "已写出：" in zh and "written" not in zh
    code, en = _texts("score", str(sample), "--year", "2026", "-o", str(out / "b.xlsx"), "--lang", "en")
    assert code == 0 and "2026 score (before review)" in en and "written:" in en
    # the statuses are the programme's own words; everything around them is English
    assert not [word for word in ("结果", "社区数", "已写出", "现场评审前", "条警告", "逐条见") if word in en]


EVERY_COMMAND = ["template", "explain", "register", "publicize", "report", "name", "rubric", "validate", "score",
                 "rank", "shortlist", "recheck", "sample", "diff"]  # fmt: skip


@pytest.mark.parametrize("command", EVERY_COMMAND)
def test_every_command_takes_lang(command: str) -> None:
    """--lang may be given to any command, as the README says ("anywhere on the line")."""
    args = [command, "add"] if command == "register" else [command]
    code, text = _texts(*args, "--help", "--lang", "en")
    assert code == 0 and "--lang" in text and "Usage:" in text, text


def test_the_rubric_table_heads_in_english() -> None:
    code, text = _texts("rubric", "--lang", "en")
    assert code == 0 and "Vetoes" in text and "编号" not in text
