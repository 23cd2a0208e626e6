"""The console script leaves without freeing its objects one by one (greencomm.cli.main, as mypy
does), and still leaves as a command should: its output whole, its exit status the command's, its
reading processes stopped and its exit handlers run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"


def greencomm(args: list[str], tmp_path: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "greencomm", *args], cwd=tmp_path, capture_output=True, text=True,
                          encoding="utf-8", env={**os.environ, **(env or {})})  # fmt: skip


def processes_marked(marker: str) -> list[int]:
    """The processes still running whose environment holds `marker` (Linux's /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:  # gone, or not ours
                continue
    return found


def test_the_output_is_whole_and_the_status_the_commands(tmp_path: Path) -> None:
    done = greencomm(["shortlist", str(SAMPLE / "submissions"), "--year", "2026", "--json", "-q", "-o", "名单.xlsx"],
                     tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)  # every byte written to the pipe before the process left
    assert len(document["communities"]) == 121
    assert (tmp_path / "名单.xlsx").stat().st_size > 0


def test_a_usage_error_and_data_errors_keep_their_status(tmp_path: Path) -> None:
    missing = greencomm(["shortlist", str(tmp_path / "nowhere"), "--year", "2026", "-q"], tmp_path)
    assert missing.returncode == 2 and "nowhere" in missing.stderr
    flawed = greencomm(["validate", str(SAMPLE / "flawed"), "--year", "2026", "-q", "-o", "校验"], tmp_path)
    assert flawed.returncode == 1 and list((tmp_path / "校验").glob("*.xlsx"))


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="looks through Linux's /proc")
def test_no_reading_process_is_left_behind(tmp_path: Path) -> None:
    marker = f"GREENCOMM_TEST_MARK={uuid.uuid4().hex}"
    key, value = marker.split("=")
    done = greencomm(["shortlist", str(SAMPLE / "submissions"), "--year", "2026", "-q", "-o", "名单.xlsx"], tmp_path,
                     {key: value})  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert processes_marked(marker) == []
    # the check can fail: a process started with the marker is found while it runs (looked for
    # until it is: on a loaded machine its /proc entry may not show the environment at once)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"], env={**os.environ, key: value})
    try:
        seen = processes_marked(marker)
        for _ in range(50):
            if seen:
                break
            time.sleep(0.1)
            seen = processes_marked(marker)
        assert seen == [sleeper.pid]
    finally:
        sleeper.kill()
        sleeper.wait()


def test_the_exit_handlers_run(tmp_path: Path) -> None:
    """What a library registers to run at exit (openpyxl's temporary files, tempfile's folders, the
    reading processes) still runs, after the command's own output."""
    script = (
        "import atexit, sys\n"
        "from greencomm.cli import main\n"
        "atexit.register(lambda: open('ran', 'w').write('handler'))\n"
        "sys.argv = ['greencomm', 'rubric', '--json']\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, encoding="utf-8"
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) and (tmp_path / "ran").read_text() == "handler"


def test_a_reader_that_stops_early_is_no_internal_error(tmp_path: Path) -> None:
    """`greencomm … --json | head`: the reader goes away; greencomm says so once and exits 141
    (128 + SIGPIPE, as a shell reports a process the closed pipe stopped), with no internal error,
    no traceback, and no workbook half-written."""
    command = [sys.executable, "-m", "greencomm", "shortlist", str(SAMPLE / "submissions"), "--year", "2026",
               "--json", "-q", "-o", "名单.xlsx"]  # fmt: skip
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read(10)  # the document has begun
    process.stdout.close()  # and its reader is gone: the rest (the whole is 100 KB) outgrows the pipe's 64 KB
    said = process.stderr.read().decode("utf-8")
    assert process.wait(timeout=120) == 141, said
    assert "标准输出在写完之前被关闭" in said
    assert "内部错误" not in said and "Traceback" not in said
    assert not list(tmp_path.glob("*.xlsx"))  # nothing half-written: the workbook was not saved
