"""A clerk's templates (`--templates`) are bounded (src/greencomm/write/bounded.py): a render stops
after a time limit, no value or output grows past a size limit, a template that includes itself or
recurses is stopped, and no template is read through a link out of its folder. Each refusal is a
`错误：` naming the template (and its line where Jinja knows it), exit 1, nothing written.

Every hostile case runs under a watchdog of the test's own (SIGALRM, 45 s), so a template greencomm
failed to stop fails the test instead of hanging the suite; greencomm must hand the watchdog back,
handler and timer, when it is done."""

from __future__ import annotations

import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest
from docx import Document
from typer.testing import CliRunner, Result

from greencomm.cli import app
from greencomm.write import bounded

ROOT = Path(__file__).resolve().parents[1]
SAMPLE, OURS = ROOT / "sample_data", ROOT / "templates"
YEAR = [str(SAMPLE / "submissions"), "--reviews", str(SAMPLE / "reviews"), "--register",
        str(SAMPLE / "register.xlsx"), "--year", "2026"]  # fmt: skip
PUB = "2026年节能环保社区拟命名名单公示"
LIMIT_SECONDS = 2.0  # the render time limit while testing, so the suite stays fast
LIMIT_MB = 256  # the memory one render may add while testing (ours need far less), likewise
WATCHDOG_SECONDS = 45
runner = CliRunner()
HAS_ALARM = hasattr(signal, "setitimer")


class TookTooLong(BaseException):
    """The test's watchdog fired: greencomm let a template run on."""


@pytest.fixture(autouse=True)
def _low_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bounded, "RENDER_SECONDS", LIMIT_SECONDS)
    monkeypatch.setattr(bounded, "MEMORY_HEADROOM_MB", LIMIT_MB)


@pytest.fixture
def watchdog() -> Iterator[None]:
    """The test's own SIGALRM handler and timer, which greencomm must put back as it found them."""
    if not HAS_ALARM:
        yield
        return

    def fire(signum: int, frame: FrameType | None) -> None:
        raise TookTooLong(f"still rendering after {WATCHDOG_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, WATCHDOG_SECONDS)
    try:
        yield
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert signal.getsignal(signal.SIGALRM) is fire, "greencomm puts back the SIGALRM handler it found"
        assert 0 < remaining < WATCHDOG_SECONDS, "…and the timer it found, still running"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _folder(tmp_path: Path, **templates: str) -> Path:
    """A clerk's templates folder holding the given files (name → text); `_` stands for `.`."""
    folder = tmp_path / "mine"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in templates.items():
        (folder / name.replace("_", ".")).write_text(text, encoding="utf-8")
    return folder


def _run(folder: Path, out: Path, command: str = "publicize") -> tuple[Result, float]:
    started = time.monotonic()
    result = runner.invoke(app, [command, *YEAR, "--templates", str(folder), "-o", str(out)])
    return result, time.monotonic() - started


def _refused(result: Result, seconds: float, template: str, out: Path) -> None:
    assert result.exit_code == 1, result.output
    assert f"{template}: " in result.stderr, result.stderr
    assert "内部错误" not in result.stderr and "internal error" not in result.stderr, result.stderr
    assert "错误：" in result.stderr, result.stderr
    assert not out.exists(), "nothing is written when a template is refused"
    assert seconds < 20, f"took {seconds:.1f} s"


# ---------------------------------------------------------------- time, size, recursion
NO_ALARM = pytest.mark.skipif(not HAS_ALARM, reason="empty loops are stopped by SIGALRM, which this system lacks")
ONLY_LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="memory is capped on Linux only")
HOSTILE = [  # template, the line named, why
    pytest.param("# {{ title }}\n{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n",
                 "第2行", "超过 2 秒", id="nested loops with no output", marks=NO_ALARM),
    pytest.param("# {{ title }}\n\n{{ lipsum(n=10**7) }}\n", "第3行", "lipsum", id="lipsum with a huge count"),
    pytest.param("# {{ title }}\n{{ 'x' * 10**9 }}\n", "第2行", "超过 20,000,000", id="string repetition"),
    pytest.param("{% set rows = [0] * 10**9 %}{{ rows|length }}\n", "第1行", "超过 20,000,000", id="list repetition"),
    pytest.param("# {{ title }}\n\n\n{{ 10 ** 1000000 }}\n", "第4行", "100 位", id="a huge power"),
    pytest.param("{{ title.center(10**9) }}\n", "第1行", "超过 20,000,000", id="a huge padding"),
    pytest.param("# {{ title }}\n{{ range(10**9)|length }}\n", "第2行", "range", id="range beyond the sandbox's"),
    pytest.param("{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}\n", "第1行", "输出超过",
                 id="output beyond the cap"),
    pytest.param("{% include 'publicity.md.j2' %}\n", "第1行", "嵌套过深", id="self-include"),
    pytest.param("# {{ title }}\n\n{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}\n", "第3行", "嵌套过深",
                 id="recursive macro"),
    pytest.param("{% set s = ['x' * 10**6] * 10**5 %}\n{{ s }}\n", "第2行", "内存不足", id="a value too big to print",
                 marks=ONLY_LINUX),
]  # fmt: skip


@pytest.mark.parametrize(("text", "line", "why"), HOSTILE)
def test_hostile_markdown_template_is_refused(text: str, line: str, why: str, tmp_path: Path, watchdog: None) -> None:
    result, seconds = _run(_folder(tmp_path, publicity_md_j2=text), tmp_path / "d")
    _refused(result, seconds, "publicity.md.j2", tmp_path / "d")
    assert f"publicity.md.j2: {line}: 模板运行超出限制" in result.stderr, result.stderr
    assert "template exceeded a limit" not in result.stderr, result.stderr  # one language at a time
    assert why in result.stderr, result.stderr


def test_a_refused_template_is_said_in_english_too(tmp_path: Path, watchdog: None) -> None:
    folder = _folder(tmp_path, publicity_md_j2="{{ lipsum(100000) }}\n")
    result = runner.invoke(app, ["publicize", *YEAR, "--templates", str(folder), "-o", str(tmp_path / "d")],
                           env={"GREENCOMM_LANG": "en"})  # fmt: skip
    assert result.exit_code == 1 and "publicity.md.j2: " in result.stderr
    assert "template exceeded a limit" in result.stderr and "模板运行超出限制" not in result.stderr, result.stderr


def test_hostile_report_template_is_refused(tmp_path: Path, watchdog: None) -> None:
    folder = _folder(tmp_path, report_md_j2="{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}\n{{ m(0) }}\n")
    result, seconds = _run(folder, tmp_path / "d", "report")
    _refused(result, seconds, "report.md.j2", tmp_path / "d")
    assert "嵌套过深" in result.stderr


@NO_ALARM
def test_hostile_word_template_is_stopped(tmp_path: Path, watchdog: None) -> None:
    folder = _folder(tmp_path)
    doc = Document()
    doc.add_paragraph("{{ title }}")
    doc.add_paragraph("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}")
    doc.save(str(folder / "publicity.docx"))
    result, seconds = _run(folder, tmp_path / "d")
    _refused(result, seconds, "publicity.docx", tmp_path / "d")
    assert "超过 2 秒" in result.stderr


# ---------------------------------------------------------------- links out of the folder
def test_link_to_a_system_file_is_refused(tmp_path: Path, watchdog: None) -> None:
    folder = _folder(tmp_path)
    (folder / "publicity.md.j2").symlink_to("/etc/passwd")
    result, seconds = _run(folder, tmp_path / "d")
    _refused(result, seconds, "publicity.md.j2", tmp_path / "d")
    assert "root:" not in result.output
    assert "模板文件夹之外" in result.stderr


@pytest.mark.parametrize("include", ["secret.md.j2", "etc/passwd"])
def test_include_through_a_link_is_refused(include: str, tmp_path: Path, watchdog: None) -> None:
    folder = _folder(tmp_path, publicity_md_j2=f"# {{{{ title }}}}\n{{% include '{include}' %}}\n")
    (folder / "secret.md.j2").symlink_to("/etc/passwd")
    (folder / "etc").symlink_to("/etc", target_is_directory=True)
    result, seconds = _run(folder, tmp_path / "d")
    _refused(result, seconds, include, tmp_path / "d")
    assert "root:" not in result.output


def test_word_template_linked_from_elsewhere_is_refused(tmp_path: Path, watchdog: None) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(OURS / "publicity.docx", elsewhere / "private.docx")
    folder = _folder(tmp_path)
    (folder / "publicity.docx").symlink_to(elsewhere / "private.docx")
    result, seconds = _run(folder, tmp_path / "d")
    _refused(result, seconds, "publicity.docx", tmp_path / "d")


# ---------------------------------------------------------------- what a clerk does still works
def _restyled(tmp_path: Path) -> Path:
    """Our templates copied into the clerk's folder, the Markdown restyled a little and kept in a
    subfolder that publicity.md.j2 links to (a link inside the folder is fine)."""
    folder = _folder(tmp_path)
    for name in ("publicity.md.j2", "publicity.docx", "report.md.j2", "report.docx"):
        shutil.copy(OURS / name, folder / name)
    text = (OURS / "publicity.md.j2").read_text("utf-8").replace("# {{ title }}", "# {{ title }}\n\n本办自拟格式")
    text = text.replace("{% for row in part.rows %}", "{% for row in part.rows %}{% set mark = '—' * 3 %}")
    (folder / "styles").mkdir()
    (folder / "styles" / "公示.md.j2").write_text(text + "{{ lipsum(1, html=False)|length > 0 }}\n", "utf-8")
    (folder / "publicity.md.j2").unlink()
    (folder / "publicity.md.j2").symlink_to(Path("styles") / "公示.md.j2")
    return folder


def test_a_clerks_restyled_templates_still_render(tmp_path: Path, watchdog: None) -> None:
    folder = _restyled(tmp_path)
    for command, stem in (("publicize", PUB), ("report", "2026年节能环保社区创建工作总结")):
        result, _ = _run(folder, tmp_path / command, command)
        assert result.exit_code == 0, result.output
        assert (tmp_path / command / f"{stem}.docx").exists()
        assert (tmp_path / command / f"{stem}.md").exists()
    assert "本办自拟格式" in (tmp_path / "publicize" / f"{PUB}.md").read_text("utf-8")


def _in_a_thread(folder: Path, out: Path) -> Result:
    """greencomm called from a thread other than the main one (a web server, say): no SIGALRM there."""
    results: list[Result] = []
    thread = threading.Thread(target=lambda: results.append(_run(folder, out)[0]))
    thread.start()
    thread.join(WATCHDOG_SECONDS)
    assert results, "the render in a thread did not finish"
    return results[0]


def test_rendering_off_the_main_thread_works_and_is_bounded(tmp_path: Path, watchdog: None) -> None:
    result = _in_a_thread(_restyled(tmp_path), tmp_path / "ok")
    assert result.exit_code == 0, result.output
    assert "本办自拟格式" in (tmp_path / "ok" / f"{PUB}.md").read_text("utf-8")
    hostile = _folder(tmp_path / "x", publicity_md_j2="{{ lipsum(n=10**7) }}")
    result = _in_a_thread(hostile, tmp_path / "d")
    _refused(result, 0, "publicity.md.j2", tmp_path / "d")
