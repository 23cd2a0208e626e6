"""The spot-check sample written down (docs/rules.md#spot-checks): the list as a workbook — the
list, the places per district, every applicant's lot (its number, weight and key, drawn or not)
and the provenance (seed, parameters, the algorithm, versions, input hashes), so anyone can check
the draw or make it again — and the notice of the sample (.docx and .md) from the same template
machinery as the 公示. Every name in them is the programme's own (settings)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from greencomm import __version__
from greencomm.judge.sampling import Draw
from greencomm.programme import Programme
from greencomm.write.documents import Document
from greencomm.write.jinja import chinese_date
from greencomm.write.result_books import ResultSheet, write_book

LIST_HEADERS = {"district": "所属区", "street": "所属街道", "community": "社区名称", "target": "申报类别"}
ALGORITHM = (
    "1. 抽取范围：本年度计入的申报社区（不含被同区较新工作簿替代的、重复申报的后一条），所属区为本市创建范围内的区。",
    "2. 排序：先按设置中区的顺序（{districts}），区内按社区名称（NFKC 规范化、去首尾空白后）的 Unicode 码位排序；"
    "与文件、行的先后无关。",
    "3. 样本量：--count 给出的个数，或 ⌈比例 × 申报社区数⌉（比例按所写小数精确计算）；不超过申报社区数，"
    "不少于有申报的区数。",
    "4. 各区名额（最大余数法，每个有申报的区至少 1 个）：某区配额 = 样本量 × 该区申报数 ÷ 申报总数（精确分数）；"
    "配额不足 1 的区各得 1 个，其余名额在其他区之间按同一办法重新计算，直到没有配额不足 1 的区；"
    "这些区先得配额的整数部分，剩余名额按小数部分从大到小各加 1 个（小数部分相同的，按区的顺序）。",
    "5. 区内抽取：numpy.random.Generator(numpy.random.PCG64(种子)).random(n) 按第 2 步的顺序给每个申报社区一个"
    " [0, 1) 的随机数 u；抽签值 = u^(1/w)，w 为权重（申报示范称号的社区为 --weight-demonstration，其余为 1；"
    "Efraimidis–Spirakis 加权不放回抽样，全部 w = 1 时即简单随机抽样）；各区名额给抽签值最大的社区"
    "（抽签值相同的，排序在前者优先）。",
)


def decimal_text(value: Fraction) -> str:
    """0.2, 2, 1.5: a share or weight as it was written (a decimal fraction is exact)."""
    shown = Decimal(value.numerator) / Decimal(value.denominator)
    return format(shown.normalize(), "f")


def percent_text(value: Fraction) -> str:
    return decimal_text(value * 100) + "%"


def asked_for(draw: Draw) -> str:
    """How the size was asked for, in words: 按申报社区数的20%（向上取整）, or 指定12个."""
    design = draw.design
    if design.share is not None:
        return f"按申报社区数的{percent_text(design.share)}（向上取整）"
    return f"指定{design.count}个"


def redraw_command(draw: Draw, inputs: list[Path]) -> str:
    """The command that draws the same list again from the same applicants."""
    design = draw.design
    size = f"--share {decimal_text(design.share)}" if design.share is not None else f"--count {design.count}"
    weight = f" --weight-demonstration {decimal_text(design.weight)}" if design.weight != 1 else ""
    names = " ".join(str(path) for path in inputs) or "申报表"
    return f"greencomm sample {names} {size}{weight} --seed {design.seed}"


def list_frame(draw: Draw) -> pd.DataFrame:
    drawn = draw.drawn
    frame = pd.DataFrame({"序号": range(1, len(drawn) + 1)})
    for key, header in LIST_HEADERS.items():
        frame[header] = drawn[key].tolist()
    return frame


def places_frame(draw: Draw) -> pd.DataFrame:
    rows = [(d, draw.counts[d], draw.places[d]) for d in draw.counts]
    rows.append(("合计", sum(draw.counts.values()), sum(draw.places.values())))
    return pd.DataFrame(rows, columns=["所属区", "申报社区数", "抽取数"])


def lots_frame(draw: Draw) -> pd.DataFrame:
    """Every applicant's lot, in drawing order: what anyone re-drawing the sample checks against."""
    a = draw.applicants
    return pd.DataFrame({
        "顺序": range(1, len(a) + 1), "所属区": a.district.tolist(), "社区名称": a.community.tolist(),
        "申报类别": a.target.tolist(), "随机数u": a.u.tolist(), "权重w": a.weight.tolist(),
        "抽签值": a.key.tolist(), "是否抽中": ["是" if d else "" for d in a.drawn],
    })  # fmt: skip


def provenance_frame(
    draw: Draw, programme: Programme, asked: list[Path], hashes: list[dict[str, str]], drawn_on: dt.date
) -> pd.DataFrame:
    design = draw.design
    districts = "、".join(programme.settings.districts)
    rows: list[tuple[str, Any]] = [
        ("年度", programme.year),
        ("项目", programme.title),
        ("随机数种子", design.seed),
        ("样本量", f"{draw.size}个（{asked_for(draw)}）"),
        (
            "示范社区权重",
            decimal_text(design.weight) if programme.demonstration_title is not None else "不适用（一级称号）",
        ),
        ("申报社区数", sum(draw.counts.values())),
        ("不在创建范围内（未参加抽取）", draw.left_out),
        ("重新抽取", redraw_command(draw, asked)),
        *((f"算法 {n}", step.format(districts=districts)) for n, step in enumerate(ALGORITHM, start=1)),
        *(("说明", note) for note in draw.notes),
        ("抽取日期", drawn_on.isoformat()),
        ("numpy 版本", np.__version__),
        ("greencomm 版本", __version__),
        *((f"输入文件 {h['file']}", f"sha256 {h['sha256']}") for h in hashes),
    ]
    return pd.DataFrame([(k, str(v)) for k, v in rows], columns=["项目", "内容"])


def sample_book(
    draw: Draw, programme: Programme, asked: list[Path], hashes: list[dict[str, str]], drawn_on: dt.date
) -> bytes:
    """抽查名单, 各区抽取数, 抽签明细 and 抽样依据 (`asked`: the inputs as named on the command line)."""
    return write_book([
        ResultSheet("抽查名单", list_frame(draw), freeze_col=0),
        ResultSheet("各区抽取数", places_frame(draw)),
        ResultSheet("抽签明细", lots_frame(draw)),
        ResultSheet("抽样依据", provenance_frame(draw, programme, asked, hashes, drawn_on), wide=["内容"]),
    ])  # fmt: skip


def sample_notice(draw: Draw, programme: Programme, issued: dt.date) -> Document:
    """The notice of the sample: why and how it was drawn (seed included), the list, the issuer."""
    settings, year, city = programme.settings, programme.year, programme.settings.city
    design, total = draw.design, sum(draw.counts.values())
    places = "，".join(f"{d}{n}个中抽取{draw.places[d]}个" for d, n in draw.counts.items() if n)
    share = f"{asked_for(draw)}，" if design.share is not None else ""
    weighted = ""
    if design.weight != 1 and programme.demonstration_title is not None:
        weighted = f"申报{programme.demonstration_title}的社区按{decimal_text(design.weight)}倍权重抽取。"
    body = [
        f"根据《{programme.scheme}》和《{programme.rubric_title}》，现对{year}年度{city}{programme.title}"
        "创建申报单位开展摸底调查及抽查审核。",
        f"{year}年度各区共申报{total}个社区。按照“公开、公平、公正”的原则，"
        f"{share}按区分层随机抽取{draw.size}个，各区名额按申报数比例分配（最大余数法），有申报的区至少抽取1个："
        f"{places}。{weighted}",
        f"本次抽取的随机数种子为{design.seed}。申报社区先按区（{'、'.join(settings.districts)}）、再按社区名称排序，"
        "由该种子生成的随机数（NumPy PCG64）逐一抽签；抽取结果与各区报送的先后无关，任何人以同一申报名单和同一种子，"
        "按抽查名单所附抽样依据载明的方法，均可重新抽出相同的名单。",
        f"请各区通知被抽查社区做好准备，备齐创建档案等有关材料，配合{programme.issuer}开展实地核查。",
    ]
    rows = [
        {"seq": n, "district": r.district, "street": r.street, "community": r.community, "target": r.target}
        for n, r in enumerate(draw.drawn.itertuples(index=False), start=1)
    ]
    context = {
        "title": f"关于{year}年度{city}{programme.title}创建申报单位摸底调查及抽查审核的通知",
        "addressee": f"各区创建{programme.title}工作领导小组办公室：",
        "body": body,
        "heading": f"抽查社区名单（{len(rows)}个）",
        "two_tier": programme.demonstration_title is not None,
        "rows": rows,
        "seed": design.seed,
        "issuer": programme.issuer,
        "issued": issued,
        "issued_text": chinese_date(issued),
    }
    return Document(context, warnings=list(draw.notes))


def sample_json(draw: Draw, programme: Programme, files: list[Path], problems: list[Any], lang: str = "zh"
                ) -> dict[str, Any]:  # fmt: skip
    """What `greencomm sample --json` prints: the parameters, the seed, the places and the list."""
    design = draw.design
    return {
        "year": programme.year,
        "seed": design.seed,
        "share": decimal_text(design.share) if design.share is not None else None,
        "count": design.count,
        "weight_demonstration": decimal_text(design.weight) if programme.demonstration_title is not None else None,
        "applicants": sum(draw.counts.values()),
        "size": draw.size,
        "left_out": draw.left_out,
        "districts": [{"district": d, "applicants": n, "drawn": draw.places[d]} for d, n in draw.counts.items()],
        "drawn": [
            {"seq": n, **{k: getattr(r, k) for k in LIST_HEADERS}}
            for n, r in enumerate(draw.drawn.itertuples(index=False), start=1)
        ],
        "notes": draw.notes,
        "files": [str(f) for f in files],
        "problems": [p.to_dict(lang) for p in problems],
    }
