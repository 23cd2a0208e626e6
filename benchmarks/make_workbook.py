"""Large district workbooks for the benchmarks: the sample year's rows (messy forms included)
repeated with unique community names, written by a Rust-backed writer so that making a
100,000-row file takes seconds."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import rustpy_xlsxwriter

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "sample_data" / "submissions" / "2026年芙蓉区节能环保社区申报汇总表.xlsx"


def sample_rows() -> tuple[list[str], list[list[Any]]]:
    """Header and data rows of one sample workbook, as the district typed them."""
    sheet = openpyxl.load_workbook(SOURCE)["申报汇总表"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header_at = next(n for n, r in enumerate(rows) if "社区名称" in [str(v).strip() for v in r if v])
    header = [str(v) if v is not None else f"列{n}" for n, v in enumerate(rows[header_at])]
    data = [r for r in rows[header_at + 1 :] if any(v is not None for v in r)]
    return header, data


def make(rows: int, path: Path) -> Path:
    header, data = sample_rows()
    name_col = next(n for n, h in enumerate(header) if h.strip() == "社区名称")
    district_col = next(n for n, h in enumerate(header) if h.strip() == "所属区")
    districts = ["芙蓉区", "天心区", "岳麓区", "开福区", "雨花区", "望城区"]
    records = []
    for n in range(rows):
        row = list(data[n % len(data)])
        row[name_col] = f"{str(row[name_col]).strip()[:-2]}{n:06d}社区"
        row[district_col] = districts[n % len(districts)]
        record = {}
        for h, v in zip(header, row, strict=True):
            record[h] = v.date() if isinstance(v, dt.datetime) else v
        records.append(record)
    path.parent.mkdir(parents=True, exist_ok=True)
    rustpy_xlsxwriter.write_worksheet(records, str(path), sheet_name="申报汇总表")
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", type=int)
    parser.add_argument("path", type=Path)
    args = parser.parse_args()
    print(make(args.rows, args.path))
