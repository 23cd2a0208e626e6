"""The bad-input corpus (built by tests/make_corpus.py): every case gets a clear message naming the
file, exit 1, no traceback, nothing written, in seconds; the rest of a batch is still processed."""

import io
import json
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from conftest import WriteBook, valid_row
from greencomm.cli import app
from greencomm.problems import REFUSALS
from make_corpus import CASES, CODES, build, huge_within_limits, rewrite_part

runner = CliRunner()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("corpus")
    return folder, build(folder)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("command", ["validate", "score"])
def test_each_case_is_refused_clearly(corpus: tuple[Path, dict[str, str]], name: str, command: str,
                                      tmp_path: Path) -> None:  # fmt: skip
    folder, expected = corpus
    out = tmp_path / ("out" if command == "validate" else "out.xlsx")
    started = time.perf_counter()
    result = runner.invoke(app, [command, str(folder / name), "--year", "2026", "-o", str(out)])
    took = time.perf_counter() - started
    assert result.exit_code == 1, result.output
    assert name in result.stderr and expected[name] in result.stderr, result.stderr
    assert f"({CODES[name]})" in result.stderr, result.stderr
    assert ("Traceback" not in result.output and result.exception is None) or isinstance(result.exception, SystemExit)
    assert not out.exists(), "nothing is written for a file that cannot be read"
    assert took < 10


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("command", ["validate", "score"])
def test_each_case_leaves_a_previous_output_as_it_was(corpus: tuple[Path, dict[str, str]], name: str, command: str,
                                                      tmp_path: Path) -> None:  # fmt: skip
    folder, _ = corpus
    out = tmp_path / "out"
    out.mkdir()
    previous = out / ("问题清单.xlsx" if command == "validate" else "评分结果.xlsx")
    previous.write_bytes(b"last month's output")
    target = out if command == "validate" else previous
    result = runner.invoke(app, [command, str(folder / name), "--year", "2026", "-o", str(target)])
    assert result.exit_code == 1
    assert [p.name for p in out.iterdir()] == [previous.name] and previous.read_bytes() == b"last month's output"


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_case_in_a_process_of_its_own_stays_small(corpus: tuple[Path, dict[str, str]], name: str,
                                                        tmp_path: Path) -> None:  # fmt: skip
    """Peak memory of the whole command, its reading process included (the acceptance: 1 GiB)."""
    folder, expected = corpus
    command = [sys.executable, "-m", "greencomm", "validate", str(folder / name), "--year", "2026"]
    started = time.perf_counter()
    child = subprocess.Popen([*command, "-o", str(tmp_path / "o")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert child.stderr is not None
    stderr = child.stderr.read().decode()
    _, status, usage = os.wait4(child.pid, 0)  # its own peak, or its reading process's, whichever is larger
    took = time.perf_counter() - started
    assert os.waitstatus_to_exitcode(status) == 1 and expected[name] in stderr, stderr
    assert "Traceback" not in stderr and not (tmp_path / "o").exists()
    assert took < 10
    assert usage.ru_maxrss * 1024 < 2**30


def test_a_bad_file_does_not_stop_the_batch(
    corpus: tuple[Path, dict[str, str]], write_submission: WriteBook, tmp_path: Path
) -> None:
    folder, expected = corpus
    good = write_submission([valid_row()], name="good.xlsx", folder=folder)
    result = runner.invoke(app, ["validate", str(folder), "--year", "2026", "--json", "-o", str(tmp_path / "o")])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["communities"] == 1
    refused = {p["file"]: p["code"] for p in doc["problems"] if p["code"] in REFUSALS}
    assert refused == {n: CODES[n] for n in expected}  # folders hold .xlsx and .xls; each bad one named
    good.unlink()


def _encrypt(path: Path, password: str) -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(path.read_bytes())).encrypt(password, out)
    target = path.with_name("加密_" + path.name)
    target.write_bytes(out.getvalue())
    return target


def test_encrypted_workbook_with_its_password(write_submission: WriteBook, tmp_path: Path) -> None:
    locked = _encrypt(write_submission([valid_row()]), "芙蓉2026")
    args = ["validate", str(locked), "--year", "2026", "-o", str(tmp_path / "o")]
    assert runner.invoke(app, [*args, "--password", "芙蓉2026"]).exit_code == 0
    wrong = runner.invoke(app, [*args, "--password", "nope"])
    assert wrong.exit_code == 1 and "密码不正确" in wrong.stderr
    missing = runner.invoke(app, args)
    assert missing.exit_code == 1 and "--password" in missing.stderr
    from_env = runner.invoke(app, args, env={"GREENCOMM_PASSWORD": "芙蓉2026"})
    assert from_env.exit_code == 0


def test_office_lock_files_are_skipped(write_submission: WriteBook, tmp_path: Path) -> None:
    write_submission([valid_row()], folder=tmp_path / "in")
    (tmp_path / "in" / "~$芙蓉区.xlsx").write_bytes(b"\x00" * 165)
    result = runner.invoke(app, ["validate", str(tmp_path / "in"), "--year", "2026", "-o", str(tmp_path / "o")])
    assert result.exit_code == 0 and "~$" not in result.stderr


@pytest.mark.parametrize("declared", ["A1:XFD1048576", "A1"])
def test_a_lying_dimension_is_never_trusted(write_submission: WriteBook, tmp_path: Path, declared: str) -> None:
    """The <dimension> a sheet declares is ignored: its extent is its cells'."""
    rows = [valid_row(seq=n, community=f"第{n}社区") for n in range(1, 6)]
    path = rewrite_part(
        write_submission(rows),
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{declared}"', xml),
    )
    assert f'<dimension ref="{declared}"' in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    result = runner.invoke(app, ["validate", str(path), "--year", "2026", "--json", "-o", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["communities"] == 5


def test_the_limits_are_settings(write_submission: WriteBook, tmp_path: Path) -> None:
    """[limits] max_rows: the sheet may reach max_rows data rows plus a header block of 100 rows."""
    rows = [valid_row(seq=n, community=f"第{n}社区") for n in range(1, 131)]
    path = write_submission(rows)
    args = ["validate", str(path), "--year", "2026", "-o", str(tmp_path / "o")]
    assert runner.invoke(app, args).exit_code == 0
    (tmp_path / "greencomm.toml").write_text("[limits]\nmax_rows = 20\n", encoding="utf-8")
    limited = runner.invoke(app, [*args, "--config", str(tmp_path / "greencomm.toml")])
    assert limited.exit_code == 1
    assert "单元格 A121 超出上限（20 行、200 列" in limited.stderr and "sheet-too-large" in limited.stderr


@pytest.mark.parametrize(
    "command",
    [["explain", "韭菜园社区"], ["publicize"], ["report"], ["register", "add", "--register", "名录.xlsx"]],
)
def test_every_command_that_reads_submissions_takes_the_password(write_submission: WriteBook, tmp_path: Path,
                                                                  command: list[str]) -> None:  # fmt: skip
    locked = _encrypt(write_submission([valid_row()]), "芙蓉2026")
    without = runner.invoke(app, [*command, str(locked), "--year", "2026"])
    assert without.exit_code != 0 and "已加密" in without.stderr and "--password" in without.stderr, without.stderr
    given = runner.invoke(app, [*command, str(locked), "--year", "2026", "--password", "芙蓉2026"])
    assert "已加密" not in given.stderr and "--password" not in given.stderr, given.stderr


def test_an_encrypted_workbook_is_annotated_and_goes_back_encrypted(
    write_submission: WriteBook, tmp_path: Path
) -> None:
    import msoffcrypto

    locked = _encrypt(write_submission([valid_row(occupancy="120%")]), "芙蓉2026")
    out = tmp_path / "o"
    result = runner.invoke(app, ["validate", str(locked), "--year", "2026", "-o", str(out), "--password", "芙蓉2026"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    copy = out / f"{locked.stem}_问题标注.xlsx"
    assert copy.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "encrypted like the district's own file"
    office = msoffcrypto.OfficeFile(io.BytesIO(copy.read_bytes()))
    office.load_key(password="芙蓉2026")
    plain = io.BytesIO()
    office.decrypt(plain)
    book = openpyxl.load_workbook(plain)
    assert book.sheetnames[0] == "问题清单" and any(
        c.comment and "入住率" in c.comment.text for row in book["申报汇总表"].iter_rows() for c in row
    )


def test_a_workbook_too_large_to_annotate_is_listed_only(write_submission: WriteBook, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr("greencomm.write.annotate.ANNOTATE_MAX_ROWS", 1)
    path = write_submission([valid_row(occupancy="120%"), valid_row(community="文庙坪社区")])
    out = tmp_path / "o"
    result = runner.invoke(app, ["validate", str(path), "--year", "2026", "-o", str(out)])
    assert result.exit_code == 1 and "不生成标注副本" in result.stderr
    assert [p.name for p in out.iterdir()] == ["问题清单.xlsx"]


def test_a_workbook_with_a_huge_sheet_it_never_reads_is_not_loaded_to_annotate(
    write_submission: WriteBook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("greencomm.write.annotate.ANNOTATE_MAX_MB", 0)  # any sheet is "huge"
    path = write_submission([valid_row(occupancy="120%")])
    out = tmp_path / "o"
    result = runner.invoke(app, ["validate", str(path), "--year", "2026", "-o", str(out)])
    assert result.exit_code == 1 and "不生成标注副本" in result.stderr
    assert [p.name for p in out.iterdir()] == ["问题清单.xlsx"]


def test_each_refusal_has_its_code_and_a_whole_message_in_english(corpus: tuple[Path, dict[str, str]]) -> None:
    from greencomm.api import validate
    from greencomm.programme import load_programme

    folder, _ = corpus
    run = validate([folder], load_programme(year=2026))
    refused = {p.file: p for p in run.problems if p.refused}
    assert {name: p.code for name, p in refused.items()} == CODES  # a folder is read for .xls too
    for p in refused.values():
        english = p.message("en").replace(p.where, "").replace(p.sheet or p.where, "")  # names are data
        assert not re.search(r"[\u4e00-\u9fff]", english), english


def test_the_memory_cap_stops_what_the_scan_lets_through(tmp_path: Path) -> None:
    """A sheet within the row and column limits can still cost the reader gigabytes: the reading
    process's memory cap ([limits] max_read_mb) stops it, and the batch goes on."""
    huge = tmp_path / "huge.xlsx"
    huge.write_bytes(huge_within_limits())
    (tmp_path / "greencomm.toml").write_text("[limits]\nmax_read_mb = 512\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(huge), "--year", "2026", "-o", str(tmp_path / "o")])
    assert result.exit_code == 1 and "内存超过上限 512 MB" in result.stderr and "(sheet-too-large)" in result.stderr
    assert not (tmp_path / "o").exists()
