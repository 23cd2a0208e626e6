"""Pointing at cells: every rule names the cell it found wrong, from the row's _file, _sheet and
_row and the place of its column (read.inputs.Part.address)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from greencomm.problems import Problem
from greencomm.read.inputs import Part

Cell = tuple[str, str, str]  # (file, sheet, cell)


def where(part: Part, row: Any, key: str) -> dict[str, str]:
    """file, sheet and cell of column `key` in a typed row (a dict or a Series with _file, _sheet, _row)."""
    return {
        "file": row["_file"],
        "sheet": row["_sheet"],
        "cell": part.address(row["_file"], row["_sheet"], key, int(row["_row"])),
    }


def cells_of(problems: Iterable[Problem], errors_only: bool = True) -> set[Cell]:
    """The cells these problems name: a cell that is already wrong gets no second problem."""
    return {(p.file, p.sheet, p.cell) for p in problems if p.is_error or not errors_only}


def rows(frame: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
    """The rows where `mask` holds (a blank in the mask does not)."""
    return frame[mask.fillna(False).astype(bool)]
