"""score, rank, shortlist, explain and register add through the CLI, on the committed sample year."""

import hashlib
import json
import re
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from greencomm.api import evaluate
from greencomm.cli import app
from greencomm.programme import Programme
from greencomm.write.records import results_json as to_json

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
SUBMISSIONS, REVIEWS, REGISTER = SAMPLE / "submissions", SAMPLE / "reviews", SAMPLE / "register.xlsx"
FINAL = [str(SUBMISSIONS), "--reviews", str(REVIEWS), "--register", str(REGISTER), "--year", "2026"]
runner = CliRunner()


def _json(args: list[str]) -> dict:
    result = runner.invoke(app, [*args, "--json", "-q"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_json_is_exactly_the_python_api(programme: Programme, tmp_path: Path) -> None:
    doc = _json(["shortlist", *FINAL, "-o", str(tmp_path / "名单.xlsx")])
    direct = to_json(evaluate([SUBMISSIONS], programme, reviews=[REVIEWS], register=REGISTER))
    assert doc == json.loads(json.dumps(direct, ensure_ascii=False, default=str))


def test_score_rank_shortlist_share_one_shape(tmp_path: Path) -> None:
    docs = [_json([cmd, *FINAL, "-o", str(tmp_path / f"{cmd}.xlsx")]) for cmd in ("score", "rank", "shortlist")]
    assert docs[0]["communities"] == docs[1]["communities"] == docs[2]["communities"]
    record = docs[0]["communities"][0]
    for key in ("district", "street", "community", "target", "total", "categories", "items", "review_source",
                "vetoes", "eligibility", "status", "reasons", "rank", "district_rank"):  # fmt: skip
        assert key in record
    assert all(round(v, 2) == v for c in docs[0]["communities"] for v in c["items"].values())


# The sample year checked by hand: the 20 with the best totals among the reviewed candidates who
# are eligible, free of vetoes, ≥ 90 in total and ≥ 60% in every category (rank order).
DEMONSTRATION = [
    "开福区 洪塘塘社区", "雨花区 长岭苑社区", "开福区 东屯社区", "雨花区 石门里社区", "天心区 涂家坪社区",
    "望城区 清风桥社区", "开福区 恒达坪社区", "望城区 东屯湾社区", "岳麓区 瑞丰岭社区", "天心区 育英社区",
    "望城区 郭亮社区", "岳麓区 长岭湖社区", "芙蓉区 建湘坪社区", "开福区 鸿铭岭社区", "雨花区 万家塘社区",
    "岳麓区 湘府园社区", "天心区 西湖桥社区", "开福区 南园社区", "芙蓉区 金峰社区", "天心区 青竹湖社区",
]  # fmt: skip
NOT_PASSED = {  # designed cases (sample_data/designed_cases.json) and the reason each must give
    "芙蓉区 龙湾塘社区": "一票否决 V1",
    "天心区 观音社区": "一票否决 V2",
    "岳麓区 三角苑社区": "一票否决 V3",
    "开福区 松桂园社区": "一票否决 V4",
    "望城区 解放坪社区": "一票否决 V5",
    "长沙县 松雅社区": "资格 Q1",
    "岳麓区 咸嘉新村社区": "资格 Q2",
    "芙蓉区 枫树岭社区": "资格 Q3：3年内已获同一市级称号（2025年节能环保示范社区）",
    "雨花区 赤岗苑社区": "资格 Q4",
}


def test_sample_year_by_hand(tmp_path: Path) -> None:
    doc = _json(["shortlist", *FINAL, "-o", str(tmp_path / "名单.xlsx")])
    by_name = {f"{c['district']} {c['community']}": c for c in doc["communities"]}
    chosen = [n for n, c in by_name.items() if c["status"] == "示范社区"]
    assert chosen == DEMONSTRATION
    assert all(by_name[n]["review_source"] == "review" for n in chosen)
    assert doc["money"] == {
        "demonstrations": 20,
        "payers": [
            {"payer": "市环保局", "per_community": 10000, "total": 200000},
            {"payer": "市能源局", "per_community": 10000, "total": 200000},
        ],
        "total": 400000,
    }
    for name, reason in NOT_PASSED.items():
        assert by_name[name]["status"] == "未通过", name
        assert any(r.startswith(reason) for r in by_name[name]["reasons"]), (name, by_name[name]["reasons"])
    f_short = by_name["岳麓区 星城塘社区"]  # 特色创新 5.5 of 10: below 60%, so 节能环保社区 only
    assert f_short["status"] == "节能环保社区"
    assert f_short["reasons"] == ["特色创新得分 5.50 低于该类满分 10 的 60%（6 分）"]


def test_before_review_thirty_are_recommended(tmp_path: Path) -> None:
    doc = _json(["shortlist", str(SUBMISSIONS), "--year", "2026", "-o", str(tmp_path / "n.xlsx")])
    assert doc["reviewed"] is False
    assert doc["counts"]["推荐现场评审"] == 30
    assert all(c["review_source"] == "self" for c in doc["communities"])


def test_later_commands_agree_when_given_a_result_workbook(tmp_path: Path) -> None:
    scored = tmp_path / "评分结果.xlsx"
    first = _json(["score", *FINAL, "-o", str(scored)])
    again = _json(["shortlist", str(scored), "--year", "2026", "-o", str(tmp_path / "名单.xlsx")])
    strip = lambda doc: [{k: v for k, v in c.items() if k != "source"} for c in doc["communities"]]  # noqa: E731
    assert strip(first) == strip(again)
    assert again["reviewed"] is True and again["money"] == first["money"]


def test_scored_workbook_explains_every_point(tmp_path: Path) -> None:
    scored = tmp_path / "评分结果.xlsx"
    doc = _json(["score", *FINAL, "-o", str(scored)])
    book = openpyxl.load_workbook(scored)
    assert book.sheetnames[:3] == ["评分汇总", "得分明细", "问题清单"]
    summary = book["评分汇总"]
    assert summary.freeze_panes == "F2" and summary.auto_filter.ref
    headers = [c.value for c in summary[1]]
    status_col = headers.index("结果") + 1
    for row in range(2, summary.max_row + 1):
        if summary.cell(row, status_col).value == "未通过":
            assert summary.cell(row, status_col).fill.fgColor.rgb.endswith("FFC7CE")
    detail = book["得分明细"]
    assert detail.max_row - 1 == 29 * len(doc["communities"])
    first = [c.value for c in detail[2]]
    assert first[2] == "A1"
    assert re.fullmatch(r"2026年.+区节能环保社区申报汇总表\.xlsx 申报汇总表![A-Z]+\d+", first[9])
    provenance = [[c.value for c in row] for row in book["评分依据"].iter_rows()]
    digest = hashlib.sha256(REGISTER.read_bytes()).hexdigest()
    assert [str(REGISTER), digest] in [r[:2] for r in provenance]


def test_explain_one_community() -> None:
    result = runner.invoke(app, ["explain", "芙蓉区 龙湾塘社区", *FINAL], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "一票否决  V1 入住率低于60%" in result.stdout
    for item in ("A1", "B1", "E3", "F2"):
        assert f"│ {item} " in result.stdout


def test_explain_unknown_name_suggests() -> None:
    result = runner.invoke(app, ["explain", "龙湾堂社区", str(SUBMISSIONS), "--year", "2026"])
    assert result.exit_code == 2
    assert "龙湾塘社区" in result.stderr


def test_register_add_backs_up_and_refuses_twice(tmp_path: Path) -> None:
    register = tmp_path / "名录.xlsx"
    register.write_bytes(REGISTER.read_bytes())
    before = openpyxl.load_workbook(register)["历年命名名录"].max_row
    args = [
        "register",
        "add",
        str(SUBMISSIONS),
        "--reviews",
        str(REVIEWS),
        "--register",
        str(register),
        "--year",
        "2026",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    rows = list(openpyxl.load_workbook(register)["历年命名名录"].iter_rows(values_only=True))
    added = rows[before:]
    assert len(added) == 66
    assert sum(1 for r in added if r[3] == "节能环保示范社区") == 20
    assert all(r[0] == 2026 and r[4] == "有效" for r in added)
    [backup] = tmp_path.glob("名录.备份-*.xlsx")
    assert backup.read_bytes() == REGISTER.read_bytes()
    again = runner.invoke(app, args)
    assert again.exit_code == 1
    assert "已有 2026 年的称号" in again.stderr
    assert len(list(openpyxl.load_workbook(register)["历年命名名录"].iter_rows())) == len(rows)


def test_register_add_refuses_before_review(tmp_path: Path) -> None:
    register = tmp_path / "名录.xlsx"
    result = runner.invoke(app, ["register", "add", str(SUBMISSIONS), "--register", str(register), "--year", "2026"])
    assert result.exit_code == 1
    assert "现场评审前的名单不是最终结果" in result.stderr
    assert not register.exists()


@pytest.mark.parametrize("command", ["score", "rank", "shortlist"])
def test_output_that_is_an_input_is_refused(command: str, tmp_path: Path) -> None:
    scored = tmp_path / "s.xlsx"
    _json(["score", str(SUBMISSIONS), "--year", "2026", "-o", str(scored)])
    before = scored.read_bytes()
    result = runner.invoke(app, [command, str(scored), "--year", "2026", "-o", str(scored)])
    assert result.exit_code == 1
    assert "输出文件与输入文件相同" in result.stderr
    assert scored.read_bytes() == before


def test_register_too_large_to_load_is_refused_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("greencomm.write.register.LOAD_MAX_MB", 0)
    register = tmp_path / "名录.xlsx"
    register.write_bytes(REGISTER.read_bytes())
    args = ["register", "add", str(SUBMISSIONS), "--reviews", str(REVIEWS), "--register", str(register)]
    result = runner.invoke(app, [*args, "--year", "2026"])
    assert result.exit_code == 1 and "名录文件过大" in result.stderr
    assert register.read_bytes() == REGISTER.read_bytes() and not list(tmp_path.glob("*备份*"))


def _reference_records(results) -> list[dict]:  # type: ignore[no-untyped-def]
    """The communities built one dict at a time from the table, as the streamed writer must give them."""
    ordered = results.ordered()
    points = results.scores.aligned(ordered.index)
    out = []
    for n, row in enumerate(ordered.itertuples(index=False)):
        at = points.at[n]
        out.append({
            "district": row.district, "street": row.street, "community": row.community, "target": row.target,
            "total": float(points.total[n]), "categories": {c: float(v[n]) for c, v in points.categories.items()},
            "items": {i: float(v[n]) for i, v in points.items.items()}, "review_source": row.review_source,
            "review_subtotal": float(points.review[n]), "vetoes": list(row.vetoes),
            "eligibility": list(row.eligibility), "status": row.status, "reasons": list(row.reasons),
            "rank": int(row.rank), "district_rank": int(row.district_rank),
            "self_eval_flag": bool(row.self_eval_flag),
            "source": {"file": results.frame["_file"].iloc[at], "row": int(results.frame["_row"].iloc[at])},
        })  # fmt: skip
    return out


def test_the_streamed_json_is_written_in_pieces_and_holds_every_community(
    programme: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    from greencomm.write import records

    monkeypatch.setattr(records, "BLOCK", 7)
    results = evaluate([SUBMISSIONS], programme, reviews=[REVIEWS], register=REGISTER)
    pieces = list(records.results_json_text(results))
    communities = len(results.table)
    assert len(pieces) >= communities // 7  # never the whole document at once
    assert max(len(p) for p in pieces) < len("".join(pieces)) / 5
    document = json.loads("".join(pieces))
    assert document["communities"] == _reference_records(results)
    assert len(document["problems"]) == len(results.problems)


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_the_json_goes_to_a_stream_of_any_encoding_as_the_same_document(
    programme: Programme, tmp_path: Path, encoding: str
) -> None:
    """The communities go to a UTF-8 stream's bytes as Arrow made them; to a stream of another
    encoding (a Windows console's GB18030) and to one without bytes beneath (StringIO) as text."""
    import io

    from greencomm import api

    target = tmp_path / "名单.json"
    with target.open("w", encoding=encoding) as stream:
        api.shortlist([SUBMISSIONS], programme, reviews=[REVIEWS], register=REGISTER, output=tmp_path / "名单.xlsx",
                      json_to=stream)  # fmt: skip
    as_text = io.StringIO()
    api.shortlist([SUBMISSIONS], programme, reviews=[REVIEWS], register=REGISTER, output=tmp_path / "名单2.xlsx",
                  json_to=as_text)  # fmt: skip
    written = target.read_text(encoding=encoding)
    assert written == as_text.getvalue()
    assert json.loads(written) == to_json(evaluate([SUBMISSIONS], programme, reviews=[REVIEWS], register=REGISTER))


def test_the_inputs_hashed_in_a_thread_while_judging_are_their_sha256(programme: Programme) -> None:
    results = evaluate([SUBMISSIONS], programme, reviews=[REVIEWS], register=REGISTER)
    assert results.inputs._hashing is not None  # started once the inputs were read
    expected = [{"file": str(p), "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for p in results.inputs.files]
    assert results.inputs.hashes == expected and len(expected) > 3
