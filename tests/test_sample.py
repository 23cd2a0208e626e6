"""`greencomm sample` (摸底调查及抽查审核, docs/rules.md#spot-checks): a stratified sample of the
applicants that anyone can draw again from the same seed, in proportion per district, whatever the
order of the files and rows."""

from __future__ import annotations

import json
import math
import shutil
from fractions import Fraction
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import YEAR, WriteBook, valid_row
from greencomm.cli import app
from greencomm.judge.sampling import allocate

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = ROOT / "sample_data" / "submissions"
GREEN = ROOT / "sample_data" / "green"
DISTRICTS = ["芙蓉区", "天心区", "岳麓区", "开福区", "雨花区", "望城区"]
runner = CliRunner()


def _sample(*args: str, out: str = "抽查") -> dict[str, Any]:
    done = runner.invoke(app, ["sample", *args, "--year", str(YEAR), "--json", "-q", "-o", out])
    assert done.exit_code == 0, done.stderr
    return dict(json.loads(done.stdout))


def _listed(doc: dict[str, Any]) -> list[tuple[str, str]]:
    return [(r["district"], r["community"]) for r in doc["drawn"]]


def expected_places(counts: list[int], size: int) -> list[int]:
    """The rule of docs/rules.md#spot-checks written again, another way: the districts held at one
    place are the fewest smallest ones after which every other district's quota is at least one;
    the others share the rest by largest remainder, equal remainders to the earlier district."""
    districts = sorted((n, i) for i, n in enumerate(counts) if n > 0)
    for m in range(len(districts) + 1):
        fixed, rest = districts[:m], districts[m:]
        seats, total = size - m, sum(n for n, _ in rest)
        if not rest or Fraction(seats * rest[0][0], total) >= 1:
            break
    places = [0] * len(counts)
    for _, i in fixed:
        places[i] = 1
    quotas = {i: Fraction(seats * n, total) for n, i in rest}
    for i, q in quotas.items():
        places[i] = math.floor(q)
    left = seats - sum(math.floor(q) for q in quotas.values())
    for i in sorted(quotas, key=lambda i: (-(quotas[i] - math.floor(quotas[i])), i))[:left]:
        places[i] += 1
    return places


# ---------------------------------------------------------------- the same seed, the same list
def test_the_same_seed_draws_the_same_list_and_another_seed_another() -> None:
    first = _sample(str(SUBMISSIONS), "--count", "12", "--seed", "7", out="a")
    again = _sample(str(SUBMISSIONS), "--count", "12", "--seed", "7", out="b")
    other = _sample(str(SUBMISSIONS), "--count", "12", "--seed", "8", out="c")
    assert first["seed"] == again["seed"] == 7
    assert _listed(first) == _listed(again)
    assert _listed(first) != _listed(other)
    assert len(_listed(first)) == 12


def test_without_a_seed_one_is_drawn_printed_and_draws_the_same_again() -> None:
    done = runner.invoke(app, ["sample", str(SUBMISSIONS), "--year", str(YEAR), "--share", "0.1", "-o", "a"])
    assert done.exit_code == 0, done.stderr
    seed = int(done.stderr.split("随机数种子：")[1].split()[0])
    book = openpyxl.load_workbook(Path("a") / f"{YEAR}年节能环保社区抽查名单.xlsx")
    provenance = {row[0]: row[1] for row in book["抽样依据"].iter_rows(min_row=2, values_only=True)}
    assert provenance["随机数种子"] == str(seed)
    assert provenance["重新抽取"].endswith(f"--share 0.1 --seed {seed}")
    drawn = [(r[1], r[3]) for r in book["抽查名单"].iter_rows(min_row=2, values_only=True)]
    assert _listed(_sample(str(SUBMISSIONS), "--share", "0.1", "--seed", str(seed), out="b")) == drawn


# ---------------------------------------------------------------- every district in proportion
@pytest.mark.parametrize(
    "size", [["--share", "0.2"], ["--share", "20%"], ["--count", "12"], ["--count", "7"], ["--count", "119"]]
)
def test_every_district_is_represented_in_proportion(size: list[str]) -> None:
    doc = _sample(str(SUBMISSIONS), *size, "--seed", "3")
    counts = [d["applicants"] for d in doc["districts"]]
    assert [d["district"] for d in doc["districts"]] == DISTRICTS
    assert sum(counts) == doc["applicants"] == 120 and doc["left_out"] == 1  # 长沙县 (Q1) is not drawn from
    wanted = math.ceil(Fraction(1, 5) * 120) if size[0] == "--share" else int(size[1])
    assert doc["size"] == wanted
    assert [d["drawn"] for d in doc["districts"]] == expected_places(counts, wanted)
    per_district = [sum(1 for r in doc["drawn"] if r["district"] == d) for d in DISTRICTS]
    assert per_district == [d["drawn"] for d in doc["districts"]]


def test_at_least_one_per_district_raises_a_smaller_size() -> None:
    done = runner.invoke(app, ["sample", str(SUBMISSIONS), "--year", str(YEAR), "--count", "3", "--seed", "1",
                               "--json", "-o", "out"])  # fmt: skip
    doc = json.loads(done.stdout)
    assert doc["size"] == 6 and [d["drawn"] for d in doc["districts"]] == [1] * 6
    assert "样本由 3 个增至 6 个" in done.stderr


def test_the_worked_examples_of_the_rule() -> None:
    # quotas 6, 2, 2, 1, 0.6, 0.4: the last two held at one; 10 places left share 5.45, 1.82, 1.82, 0.91:
    # the fourth held at one too; 9 left share 5.4, 1.8, 1.8 → 5, 1, 1 and two by remainder
    assert allocate({"a": 30, "b": 10, "c": 10, "d": 5, "e": 3, "f": 2}, 12) == {
        "a": 5, "b": 2, "c": 2, "d": 1, "e": 1, "f": 1}  # fmt: skip
    assert allocate({"a": 3, "b": 0, "c": 3}, 3) == {"a": 2, "b": 0, "c": 1}  # equal remainders: the earlier
    assert allocate({"a": 4, "b": 2}, 6) == {"a": 4, "b": 2}  # everyone


@given(st.lists(st.integers(0, 40), min_size=1, max_size=10), st.data())
def test_places_follow_the_rule(counts: list[int], data: st.DataObject) -> None:
    total, strata = sum(counts), sum(n > 0 for n in counts)
    if not total:
        return
    size = data.draw(st.integers(strata, total))
    places = allocate({f"d{i}": n for i, n in enumerate(counts)}, size)
    assert list(places.values()) == expected_places(counts, size)
    assert sum(places.values()) == size
    assert all((p >= 1 if n else p == 0) and p <= n for p, n in zip(places.values(), counts, strict=True))


# ---------------------------------------------------------------- order decides nothing
def _reversed_rows(path: Path) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book["申报汇总表"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = next(n for n, r in enumerate(rows) if "所属区" in r)
    data = [r for r in rows[header + 1 :] if any(v is not None for v in r)]
    for n, values in enumerate(reversed(data), start=header + 2):
        for c, value in enumerate(values, start=1):
            sheet.cell(n, c).value = value
    book.save(path)


def test_the_order_of_files_and_rows_changes_nothing(tmp_path: Path) -> None:
    shuffled = tmp_path / "shuffled"
    shuffled.mkdir()
    for n, path in enumerate(sorted(SUBMISSIONS.iterdir(), reverse=True)):
        copy = shuffled / f"{n:02d}_{path.name}"  # read in the opposite order
        shutil.copy(path, copy)
        _reversed_rows(copy)
    plain = _sample(str(SUBMISSIONS), "--share", "0.2", "--weight-demonstration", "2", "--seed", "11", out="a")
    moved = _sample(str(shuffled), "--share", "0.2", "--weight-demonstration", "2", "--seed", "11", out="b")
    assert plain["drawn"] == moved["drawn"]


# ---------------------------------------------------------------- what it prints and writes
def test_json_prints_the_draw() -> None:
    done = runner.invoke(app, ["sample", str(SUBMISSIONS), "--year", str(YEAR), "--count", "12", "--seed", "7",
                               "--json", "-o", "out"])  # fmt: skip
    doc = json.loads(done.stdout)  # nothing but the object on stdout
    assert {"year", "seed", "share", "count", "weight_demonstration", "applicants", "size", "districts", "drawn",
            "files", "problems"} <= set(doc)  # fmt: skip
    assert (doc["seed"], doc["count"], doc["share"], doc["weight_demonstration"]) == (7, 12, None, "1")
    assert [r["seq"] for r in doc["drawn"]] == list(range(1, 13))
    assert set(doc["drawn"][0]) == {"seq", "district", "street", "community", "target"}
    assert "随机数种子：7" in done.stderr


def test_the_list_and_the_notice(tmp_path: Path) -> None:
    doc = _sample(str(SUBMISSIONS), "--count", "12", "--seed", "7", "--date", "2026-10-15", out="out")
    book = openpyxl.load_workbook(Path("out") / f"{YEAR}年节能环保社区抽查名单.xlsx")
    assert book.sheetnames == ["抽查名单", "各区抽取数", "抽签明细", "抽样依据"]
    rows = list(book["抽查名单"].iter_rows(values_only=True))
    assert rows[0] == ("序号", "所属区", "所属街道", "社区名称", "申报类别")
    assert [(r[1], r[3]) for r in rows[1:]] == _listed(doc)
    lots = list(book["抽签明细"].iter_rows(min_row=2, values_only=True))
    assert len(lots) == 120 and sum(r[7] == "是" for r in lots) == 12
    word = docx.Document(str(Path("out") / f"{YEAR}年节能环保社区抽查审核通知.docx"))
    text = "\n".join(p.text for p in word.paragraphs)
    assert "随机数种子为7" in text and "2026年10月15日" in text
    assert "芙蓉区21个中抽取2个" in text
    table = word.tables[0]
    assert len(table.rows) == 13 and table.rows[1].cells[3].text == doc["drawn"][0]["community"]
    markdown = (Path("out") / f"{YEAR}年节能环保社区抽查审核通知.md").read_text(encoding="utf-8")
    assert all(r["community"] in markdown for r in doc["drawn"])


def test_weighting_favours_demonstration_applicants() -> None:
    plain = _sample(str(SUBMISSIONS), "--count", "12", "--seed", "5", out="a")
    heavy = _sample(str(SUBMISSIONS), "--count", "12", "--seed", "5", "--weight-demonstration", "1000", out="b")
    demo = "节能环保示范社区"
    assert [d["drawn"] for d in plain["districts"]] == [d["drawn"] for d in heavy["districts"]]  # places unchanged
    assert sum(r["target"] == demo for r in heavy["drawn"]) > sum(r["target"] == demo for r in plain["drawn"])
    assert heavy["weight_demonstration"] == "1000"


# ---------------------------------------------------------------- the one-tier programme
def test_a_one_tier_year_is_sampled_too() -> None:
    config = str(GREEN / "greencomm.toml")
    doc = _sample(str(GREEN / "submissions"), "--config", config, "--share", "0.3", "--seed", "7")
    counts = [d["applicants"] for d in doc["districts"]]
    assert doc["size"] == math.ceil(Fraction(3, 10) * sum(counts)) == 14
    assert [d["drawn"] for d in doc["districts"]] == expected_places(counts, 14) == [2, 2, 2, 2, 2, 2, 1, 1]
    assert doc["weight_demonstration"] is None
    markdown = next(Path("抽查").glob("*.md")).read_text(encoding="utf-8")
    assert "绿色社区" in markdown and "节能环保" not in markdown and "示范" not in markdown
    assert "| 申报类别 |" not in markdown  # one title: nothing to tell apart
    weighted = runner.invoke(app, ["sample", str(GREEN / "submissions"), "--config", config, "--share", "0.3",
                                   "--weight-demonstration", "2", "-o", "w"])  # fmt: skip
    assert weighted.exit_code == 2 and "只有一级称号" in weighted.stderr and not Path("w").exists()


# ---------------------------------------------------------------- refusals
@pytest.mark.parametrize(
    "args",
    [
        ["--share", "0.2", "--count", "3"],
        [],
        ["--share", "1.5"],
        ["--count", "0"],
        ["--share", "0.2", "--weight-demonstration", "0"],
        ["--share", "abc"],
    ],
)
def test_wrong_usage_exits_2(args: list[str]) -> None:
    done = runner.invoke(app, ["sample", str(SUBMISSIONS), "--year", str(YEAR), *args, "-o", "out"])
    assert done.exit_code == 2 and not Path("out").exists()


def test_refused_while_errors_change_who_applied(write_submission: WriteBook, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_submission([valid_row(), valid_row(community=None)], folder=folder)
    done = runner.invoke(app, ["sample", str(folder), "--year", str(YEAR), "--count", "1", "--seed", "1", "-o", "out"])
    assert done.exit_code == 1 and "会改变申报名单" in done.stderr and not Path("out").exists()


def test_an_error_that_changes_nobody_does_not_block(write_submission: WriteBook, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_submission([valid_row(phone="12345"), valid_row(community="文庙坪社区")], folder=folder)
    done = runner.invoke(app, ["sample", str(folder), "--year", str(YEAR), "--count", "1", "--seed", "1",
                               "--json", "-o", "out"])  # fmt: skip
    assert done.exit_code == 1  # the data has an error: said, and the sample is drawn all the same
    doc = json.loads(done.stdout)
    assert doc["size"] == 1 and [p["code"] for p in doc["problems"]] == ["invalid-phone"]
