"""Fresh inputs for every test: small workbooks built from the schema, never shared files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from greencomm.programme import Programme, load_programme
from greencomm.programme.layouts import submission_columns

YEAR = 2026


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
