"""An installed greencomm finds its templates and rubric from any folder, not only the repo root."""

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(importlib.util.find_spec("hatchling") is None, reason="hatchling (a dev dependency) is needed")
def test_wheel_carries_templates_and_rubric(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(tmp_path),
         str(ROOT)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    [wheel] = tmp_path.glob("greencomm-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "greencomm/programme/rubric.toml" in names
    for template in (ROOT / "templates").iterdir():
        assert f"greencomm/templates/{template.name}" in names


def test_cli_runs_from_another_folder(tmp_path: Path) -> None:
    out = tmp_path / "blank.xlsx"
    result = subprocess.run(
        [sys.executable, "-m", "greencomm", "template", "-o", str(out), "--year", "2026"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert out.exists()
