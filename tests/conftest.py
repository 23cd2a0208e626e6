"""Fresh inputs for every test: small workbooks built from the schema, never shared files."""

from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from greencomm.programme import Programme, load_programme
from greencomm.programme.layouts import submission_columns

YEAR = 2026
ROOT = Path(__file__).resolve().parents[1]


def drawn_year(folder: Path) -> Path:
    """Values drawn per row by five producers (benchmarks/make_year.py), and a district that sent
    its workbook again: the first copy is replaced by the second."""
    spec = importlib.util.spec_from_file_location("make_year", ROOT / "benchmarks" / "make_year.py")
    assert spec is not None and spec.loader is not None
    make_year = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_year)
    paths = make_year.make(600, 5, folder, seed=7)
    shutil.copy(paths[1], folder / f"{paths[1].stem}（重新报送）.xlsx")
    return folder


def convert(sources: list[Path], fmt: str, out: Path, timeout: int = 300, check: bool = True) -> Path:
    """`sources` converted to `fmt` into `out` by LibreOffice, with a profile of its own beside
    `out`: two conversions at once (the suite runs in several processes) never meet in the user's
    profile, where the second would hand its files to the first and leave without converting them."""
    out.mkdir(parents=True, exist_ok=True)
    soffice = shutil.which("soffice")
    assert soffice is not None
    profile = f"-env:UserInstallation=file://{out.parent / f'.lo-profile-{out.name}'}"
    subprocess.run([soffice, profile, "--headless", "--convert-to", fmt, "--outdir", str(out), *map(str, sources)],
                   check=check, capture_output=True, timeout=timeout)  # fmt: skip
    return out


@pytest.fixture(autouse=True)
def _chinese_and_clean_cwd(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Messages in Chinese whatever the machine's locale; no greencomm.toml picked up by chance."""
    monkeypatch.setenv("GREENCOMM_LANG", "zh")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def programme() -> Programme:
    return load_programme(year=YEAR)


def valid_row(**overrides: Any) -> dict[str, Any]:
    """A community that is valid in every cell, in the canonical forms the template asks for."""
    row: dict[str, Any] = {
        "seq": 1,
        "district": "芙蓉区",
        "street": "定王台街道",
        "community": "韭菜园社区",
        "community_type": "老城区社区",
        "households": 3200,
        "population": 9100,
        "occupancy": "92%",
        "target": "节能环保社区",
        "district_title_year": 2021,
        "city_title": "无",
        "city_title_year": None,
        "penalty": "无",
        "complaints": 3,
        "complaints_closed": 3,
        "incident": "无",
        "recommendation": "同意推荐",
        "A1": "是",
        "A2": 3,
        "A3": 2.5,
        "A4": "是",
        "A5": "是",
        "A6": 2,
        "B1": "90%",
        "B2": "示范应用",
        "B3": 2.5,
        "B4": "部分楼栋",
        "B5": "45%",
        "B6": 2,
        "C1": "85%",
        "C2": "一项",
        "C3": "90%",
        "C4": "80%",
        "C5": 3,
        "D1": "33%",
        "D2": 1,
        "D3": 0,
        "D4": "是",
        "E1": "是",
        "E2": 5,
        "E3": 200,
        "E4": 900,
        "E5": "85%",
        "E6": "92%",
        "F1": 5,
        "F2": "区市级",
        "contact": "李娟",
        "phone": "0731-84567890",
        "fill_date": dt.date(YEAR, 9, 15),
        "self_total": 88.5,
    }
    row.update(overrides)
    return row


WriteBook = Callable[..., Path]


@pytest.fixture
def write_submission(tmp_path: Path, programme: Programme) -> WriteBook:
    """write_submission(rows, name=…, title=True, headers={key: header}, drop=[keys], activities=[…])."""

    def write(
        rows: list[dict[str, Any]],
        name: str = "芙蓉区.xlsx",
        title: bool = True,
        headers: dict[str, str] | None = None,
        drop: tuple[str, ...] = (),
        activities: list[tuple[Any, ...]] | None = None,
        folder: Path | None = None,
    ) -> Path:
        columns = [c for c in submission_columns(programme) if c.key not in drop]
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "申报汇总表"
        if title:
            sheet.append([f"{YEAR}年芙蓉区节能环保社区申报汇总表"])
        sheet.append([(headers or {}).get(c.key, c.header) for c in columns])
        for row in rows:
            sheet.append([row.get(c.key) for c in columns])
        if activities is not None:
            acts = book.create_sheet("创建活动")
            acts.append(["日期", "类型", "名称", "参加人次"])
            for act in activities:
                acts.append(list(act))
        path = (folder or tmp_path) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        book.save(path)
        return path

    return write


# ---------------------------------------------------------------- typed frames without a workbook
SUBMISSION_FILE, SUBMISSION_SHEET_NAME, FIRST_ROW = "芙蓉区.xlsx", "申报汇总表", 3


def typed_row(programme: Programme, **overrides: Any) -> dict[str, Any]:
    """valid_row as the reader types it (85% → Decimal('85'), 是 → True, 2021 → 2021 …); an override
    is taken as typed already."""
    from greencomm.read.tables import parse_cell

    row = {}
    for col in submission_columns(programme):
        raw = valid_row().get(col.key)
        row[col.key] = None if raw is None else parse_cell(col, raw)[0]
    row.update(overrides)
    return row


def place_of(columns: list[str], header_row: int = FIRST_ROW - 1, rows: int = 0) -> Any:
    """Where a table with these columns (A, B, C … in order) sits, as read.inputs records it."""
    from openpyxl.utils import get_column_letter

    from greencomm.read.inputs import Placement

    keys = {key: n for n, key in enumerate(columns)}
    return Placement(header_row, keys, {k: get_column_letter(n + 1) for k, n in keys.items()}, header_row + rows)


def part_of(rows: list[dict[str, Any]], file: str = SUBMISSION_FILE, sheet: str = SUBMISSION_SHEET_NAME) -> Any:
    """A read Part of typed rows, as if read from rows 3, 4, … of `file`'s `sheet`: cells have
    addresses (columns A, B, C … in the rows' key order), names have their keys."""
    import pandas as pd

    from greencomm.read.inputs import Part
    from greencomm.read.names import with_keys

    frame = pd.DataFrame(rows, dtype=object).assign(
        _file=file, _sheet=sheet, _row=range(FIRST_ROW, FIRST_ROW + len(rows))
    )
    if "district" in frame and "community" in frame:
        frame = with_keys(frame)
    columns = [k for k in rows[0] if not k.startswith("_")] if rows else []
    return Part(frame, places={(file, sheet): place_of(columns, rows=len(rows))})
