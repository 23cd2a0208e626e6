"""The committed sample year through the real CLI: the clean year validates, the flawed workbooks
give exactly the errors their generator planted, with annotated copies to mail back."""

import json
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from greencomm.cli import app

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
runner = CliRunner()


def test_clean_sample_year_validates(tmp_path: Path) -> None:
    args = ["validate", str(SAMPLE / "submissions"), "--reviews", str(SAMPLE / "reviews"),
            "--register", str(SAMPLE / "register.xlsx"), "--year", "2026", "--json", "-o", str(tmp_path)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["errors"] == 0
    assert doc["communities"] >= 100


def test_flawed_workbooks_give_exactly_the_planted_errors(tmp_path: Path) -> None:
    planted = json.loads((SAMPLE / "flawed" / "planted.json").read_text("utf-8"))
    result = runner.invoke(app, ["validate", str(SAMPLE / "flawed"), "--year", "2026", "--json", "-o", str(tmp_path)])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    found = {(p["file"], p["sheet"], p["cell"], p["code"]) for p in doc["problems"] if p["severity"] == "error"}
    assert found == {(e["file"], e["sheet"], e["cell"], e["code"]) for e in planted}

    for entry in planted:
        copy = tmp_path / f"{Path(entry['file']).stem}_问题标注.xlsx"
        book = openpyxl.load_workbook(copy)
        assert book.sheetnames[0] == "问题清单"
        listed = [row for row in book["问题清单"].iter_rows(min_row=2, values_only=True) if row[7] == entry["code"]]
        assert listed, f"{entry} is not on the 问题清单 sheet of {copy.name}"
        if entry["cell"]:
            cell = book[entry["sheet"]][entry["cell"]]
            assert cell.fill.fgColor.rgb.endswith("FFC7CE"), entry
            assert cell.comment is not None and "【错误】" in cell.comment.text, entry
    listing = openpyxl.load_workbook(tmp_path / "问题清单.xlsx")["问题清单"]
    assert listing.max_row - 1 == len(doc["problems"])
