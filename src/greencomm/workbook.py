"""Reading workbooks: the I/O edge. Cells come back as a grid anchored at A1, so every value keeps
its real address for the messages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import python_calamine

from greencomm.errors import InputError, UsageError

EXCEL_SUFFIXES = (".xlsx", ".xlsm")


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: list[list[Any]]  # rows[0] is Excel row 1, rows[r][0] is column A
    visible: bool = True


@dataclass(frozen=True)
class Workbook:
    path: Path
    sheets: list[Sheet]

    @property
    def name(self) -> str:
        return self.path.name


def _cell(value: Any) -> Any:
    """Calamine gives '' for an empty cell; None says blank everywhere else in greencomm."""
    return None if value == "" else value


def read_workbook(path: Path) -> Workbook:
    """Every sheet's values. Raises InputError when the file is not a readable workbook."""
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except FileNotFoundError as exc:
        raise InputError(f"{path}: 文件不存在 / file not found") from exc
    except Exception as exc:  # calamine raises its own error types for any unreadable content
        raise InputError(f"{path.name}: 不是可读取的 Excel 工作簿（{type(exc).__name__}: {exc}）") from exc
    sheets = []
    try:
        for meta in book.sheets_metadata:
            if "WorkSheet" not in str(meta.typ):
                continue  # chart sheets hold no data
            grid = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            rows = [[_cell(v) for v in row] for row in grid]
            sheets.append(Sheet(meta.name, rows, "Visible" in str(meta.visible)))
    except Exception as exc:
        raise InputError(f"{path.name}: 读取工作表出错（{type(exc).__name__}: {exc}）") from exc
    finally:
        close = getattr(book, "close", None)
        if close is not None:
            close()
    return Workbook(path, sheets)


def sheet_names(path: Path) -> list[str]:
    """The sheet names alone (cheap: no cell is read); [] when the file cannot be opened."""
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception:  # an unreadable file is reported where it is read
        return []
    names = list(book.sheet_names)
    close = getattr(book, "close", None)
    if close is not None:
        close()
    return names


def expand_inputs(paths: Iterable[Path]) -> list[Path]:
    """Files as given and the workbooks directly inside folders, sorted by name (so results and the
    'later duplicate' never depend on the order of the command line); Office lock files skipped."""
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_dir():
            for child in sorted(path.iterdir()):
                if child.is_file() and child.suffix.lower() in EXCEL_SUFFIXES and not child.name.startswith("~$"):
                    found[child] = None
        elif path.exists():
            if not path.name.startswith("~$"):
                found[path] = None
        else:
            raise UsageError(f"{path}: 文件或文件夹不存在 / no such file or folder")
    return sorted(found, key=lambda p: (p.name, str(p)))
