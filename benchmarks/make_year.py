"""A year of district workbooks as districts produce them, for the benchmarks: values drawn per row
(names, percentages with up to two decimals, counts, populations, dates — nearly every row different),
several producers each with its own habits (85.34%, 0.8534, "85.34", full-width digits, 是/√/Y,
2021年), split over as many files as asked. Written by a Rust-backed writer, so 100,000 rows take
seconds.

    python benchmarks/make_year.py ROWS FILES FOLDER [--repeated]

`--repeated` writes the old shape instead: the sample year's rows repeated, about 25 distinct
values a column, kept as a second column of the benchmark table (it measures the caches)."""

from __future__ import annotations

import argparse
import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import rustpy_xlsxwriter

ROOT = Path(__file__).resolve().parents[1]
DISTRICTS = ["芙蓉区", "天心区", "岳麓区", "开福区", "雨花区", "望城区"]
TYPES = ["老城区社区", "商品房小区", "城中村或农民新村", "单位大院", "混合型"]
FULL_WIDTH = str.maketrans("0123456789.%", "０１２３４５６７８９．％")
# community names as cities name them: two or three characters of place names, a kind of place, 社区
PLACE = (
    "东南西北中新老金银玉青绿红白桃李杏柳松竹梅兰荷菊枫桂樱湘江河湖山岭坡塘洲岛湾港桥园林苑庭府亭阁楼台泉"
    "井溪渡口门坊市营屯堡寨庄村镇城关坪田垅冲岗峰岩石沙月星光明华盛兴隆安宁康泰和平丰裕福祥瑞德仁义礼智信"
    "文武书香"
)
KIND = ["", "", "", "路", "街", "花园", "新村", "里", "苑", "湾", "坊", "巷", "家园"]
SURNAME = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚"
    "卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
STANDING, STANDING_SPREAD = 0.8, 0.12  # a community's standing (0–1): its mean and spread over a year
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉鹏飞斌宇浩凯健俊帆帅旭宁婷雪琳晶欣"


def _name(rng: random.Random, taken: set[str]) -> str:
    """A community's name drawn for the row, never one already given (a second community of one
    name in a district is a resubmission to greencomm, not a new community)."""
    while True:
        name = "".join(rng.choice(PLACE) for _ in range(rng.choice((2, 2, 3)))) + rng.choice(KIND) + "社区"
        if name not in taken:
            taken.add(name)
            return name


def _producers() -> list[dict[str, Callable[[random.Random, float], Any]]]:
    """How a producer writes a percentage and a yes/no: each district office has its habits."""
    return [
        {"percent": lambda r, p: f"{p:.2f}%", "yes": lambda r, b: "是" if b else "否"},
        {"percent": lambda r, p: round(p / 100, 4), "yes": lambda r, b: "√" if b else "×"},
        {"percent": lambda r, p: f"{p:.1f}", "yes": lambda r, b: "Y" if b else "N"},
        {"percent": lambda r, p: f"{p:.2f}%".translate(FULL_WIDTH), "yes": lambda r, b: "有" if b else "无"},
        {"percent": lambda r, p: round(p, 2), "yes": lambda r, b: bool(b)},
    ]


def _row(rng: random.Random, n: int, district: str, producer: dict[str, Any], taken: set[str]) -> dict[str, Any]:
    # how far along the community's creation work is: its values go together (a district sends the
    # communities it thinks ready, so most total 75–95; a few fall short, a few are vetoed)
    standing = min(1.0, max(0.0, rng.gauss(STANDING, STANDING_SPREAD)))
    households = rng.randint(800, 9000)
    population = households * rng.randint(22, 34) // 10
    complaints = rng.randint(0, 6)
    percent, yes = producer["percent"], producer["yes"]

    def lean(higher_is_better: bool = True) -> float:
        """Where in its range one value of the community falls: near its standing, drawn apart."""
        at = min(1.0, max(0.0, rng.gauss(standing, 0.15)))
        return at if higher_is_better else 1 - at

    def within(lo: float, hi: float, higher_is_better: bool = True) -> float:
        return lo + (hi - lo) * lean(higher_is_better)

    def count(lo: int, hi: int, higher_is_better: bool = True) -> int:
        return round(within(lo, hi, higher_is_better))

    def pct(lo: float, hi: float) -> Any:
        return percent(rng, within(lo, hi))

    def graded(answers: list[str]) -> str:
        return answers[min(len(answers) - 1, int(lean() * len(answers)))]

    return {
        "序号": n + 1,
        "所属区": district,
        "所属街道": f"{district[:-1]}第{rng.randint(1, 12)}街道",
        "社区名称": _name(rng, taken),
        "社区类型": rng.choice(TYPES),
        "户数": households,
        "常住人口": population,
        "入住率(%)": pct(55, 100),
        "申报类别": "节能环保示范社区" if standing + rng.gauss(0, 0.08) > 0.85 else "节能环保社区",
        "区级称号获得年份": None if rng.random() < 0.02 else rng.choice([2019, 2020, 2021, "2022年", 2023, 2024]),
        "已获市级称号": "无",
        "市级称号获得年份": None,
        "近三年环境违法处罚": yes(rng, rng.random() < 0.03),
        "环境投诉件数": complaints,
        "环境投诉按期办结件数": complaints - (1 if complaints and rng.random() < 0.05 else 0),
        "近三年重大环境污染或安全事件": yes(rng, rng.random() < 0.01),
        "区级推荐意见": "同意推荐" if rng.random() < 0.97 else "不同意推荐",
        "A1 已成立创建领导小组和执行机构": yes(rng, rng.random() < 0.9),
        "A2 创建方案落实到人(自评分)": round(within(1, 3), 1),
        "A3 创建档案完整规范(自评分)": round(within(1, 3), 1),
        "A4 有环境管理制度和居民环保公约": yes(rng, rng.random() < 0.9),
        "A5 建立联席会议制度": yes(rng, rng.random() < 0.85),
        "A6 年度骨干培训次数": count(0, 4),
        "B1 公共区域节能灯具使用率(%)": pct(40, 100),
        "B2 可再生能源应用": graded(["无", "示范应用", "规模应用"]),
        "B3 公共设施节能控制(自评分)": round(within(1, 3), 1),
        "B4 既有建筑节能改造": graded(["无", "部分楼栋", "全部楼栋"]),
        "B5 高能效家电使用户比例(%)": pct(15, 70),
        "B6 绿色出行设施种类数": count(0, 4),
        "C1 节水器具普及率(%)": pct(45, 95),
        "C2 雨水中水海绵设施": graded(["无", "一项", "两项及以上"]),
        "C3 生活垃圾分类覆盖率(%)": pct(45, 100),
        "C4 垃圾分类居民参与率(%)": pct(50, 95),
        "C5 专类投放点种类数": count(0, 4),
        "D1 绿地率(%)": pct(20, 40),
        "D2 环境卫生问题数": count(0, 5, higher_is_better=False),
        "D3 噪声油烟扰民投诉数": count(0, 3, higher_is_better=False),
        "D4 生活污水接入市政管网": yes(rng, rng.random() < 0.95),
        "E1 有固定宣传栏或橱窗": yes(rng, rng.random() < 0.95),
        "E2 年度环保宣传活动次数": count(1, 8),
        "E3 环保志愿者人数": population * count(5, 40) // 1000,
        "E4 绿色家庭户数": households * count(30, 250) // 1000,
        "E5 节能环保知晓率(%)": pct(55, 98),
        "E6 居民满意率(%)": pct(62, 99),
        "F1 特色创建项目(自评分)": round(within(1, 6), 1),
        "F2 上级表彰或媒体推广": graded(["无", "区市级", "省级及以上"]),
        "联系人": rng.choice(SURNAME) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
        "联系电话": f"1{rng.randint(3, 9)}{rng.randint(0, 999999999):09d}",
        "填报日期": dt.date(2026, 9, 1) + dt.timedelta(days=rng.randint(0, 28)),
        "自评总分": round(within(70, 98), 1),
    }


def make(rows: int, files: int, folder: Path, seed: int = 2026) -> list[Path]:
    """`rows` communities in `files` workbooks, the districts in turn; returns the files."""
    rng = random.Random(seed)
    producers = _producers()
    folder.mkdir(parents=True, exist_ok=True)
    per_file = -(-rows // files)
    paths = []
    taken: set[str] = set()
    for f in range(files):
        district = DISTRICTS[f % len(DISTRICTS)]
        producer = producers[f % len(producers)]
        first, last = f * per_file, min(rows, (f + 1) * per_file)
        records = [_row(rng, n, district, producer, taken) for n in range(first, last)]
        path = folder / f"{f:04d}-{district}.xlsx"
        rustpy_xlsxwriter.write_worksheet(records, str(path), sheet_name="申报汇总表")
        paths.append(path)
    return paths


def make_repeated(rows: int, files: int, folder: Path) -> list[Path]:
    """The old shape: the sample year's rows repeated with unique names (make_workbook.py), split
    over `files` workbooks, the districts in turn."""
    from make_workbook import sample_rows  # a sibling script, only for this shape

    header, data = sample_rows()
    name_col = next(n for n, h in enumerate(header) if h.strip() == "社区名称")
    district_col = next(n for n, h in enumerate(header) if h.strip() == "所属区")
    folder.mkdir(parents=True, exist_ok=True)
    per_file = -(-rows // files)
    paths = []
    for f in range(files):
        district = DISTRICTS[f % len(DISTRICTS)]
        records = []
        for n in range(f * per_file, min(rows, (f + 1) * per_file)):
            row = list(data[n % len(data)])
            row[name_col] = f"{str(row[name_col]).strip()[:-2]}{n:06d}社区"
            row[district_col] = district
            records.append({h: v.date() if isinstance(v, dt.datetime) else v for h, v in zip(header, row, strict=True)})
        path = folder / f"{f:04d}-{district}.xlsx"
        rustpy_xlsxwriter.write_worksheet(records, str(path), sheet_name="申报汇总表")
        paths.append(path)
    return paths


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("files", type=int)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--repeated", action="store_true", help="the sample year's rows repeated (the old shape)")
    args = parser.parse_args()
    made = (make_repeated if args.repeated else make)(args.rows, args.files, args.folder)
    for path in made:
        print(path)
