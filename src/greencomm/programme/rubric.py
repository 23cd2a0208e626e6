"""The scoring rubric (docs/rules.md#rubric): a TOML data file, loaded and checked here and nowhere else.

A broken rubric is reported by item and field (`rubric.toml: item B1: field 'hi': …`), so a clerk
who edited a copy can find the mistake.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

from greencomm.errors import ConfigError
from greencomm.programme.headers import header_base

KINDS = ("bool", "levels", "ramp", "per_unit", "deduct", "review")
RAMP_INPUTS = ("percent", "count")
VETO_OPS = ("<", "<=", ">", ">=", "==", "!=")
ELIGIBILITY_CODES = ("Q1", "Q2", "Q3", "Q4")


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    max: Fraction


@dataclass(frozen=True)
class Item:
    id: str
    name: str
    category: str
    max: Fraction
    kind: str
    column: str
    input: str = "count"  # ramp: percent | count | ratio
    lo: Fraction = Fraction(0)
    hi: Fraction = Fraction(0)
    per: Fraction = Fraction(0)
    ratio_of: str | None = None
    levels: dict[str, Fraction] = field(default_factory=dict)
    note: str = ""

    def rule_text(self) -> str:
        """The rule in words, as the instructions sheet and the detail sheet show it."""
        m = fmt(self.max)
        if self.kind == "bool":
            return f"是得{m}分，否得0分"
        if self.kind == "levels":
            return "，".join(f"{k}得{fmt(v)}分" for k, v in self.levels.items())
        if self.kind == "ramp":
            unit = "%" if self.input in ("percent", "ratio") else ""
            x = f"{self.column}÷{self.ratio_of}" if self.ratio_of else "填报值"
            return (
                f"{x}≤{fmt(self.lo)}{unit}得0分，≥{fmt(self.hi)}{unit}得{m}分，其间按比例计分"
                f"（{m}×(x−{fmt(self.lo)})÷{fmt(self.hi - self.lo)}）"
            )
        if self.kind == "per_unit":
            return f"每种{fmt(self.per)}分，最高{m}分" + (f"（{self.note}）" if self.note else "")
        if self.kind == "deduct":
            return f"满分{m}分，每件扣{fmt(self.per)}分，扣完为止"
        return f"0–{m}分，现场评审专家评分（评审前以区级自评分代替）"


@dataclass(frozen=True)
class Veto:
    id: str
    name: str
    field: str
    op: str
    value: Fraction | bool | None = None
    other: str | None = None


@dataclass(frozen=True)
class EligibilityRule:
    code: str
    name: str
    rule: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Levels:
    pass_total: Fraction
    demonstration_total: Fraction
    category_share: Fraction


@dataclass(frozen=True)
class Rubric:
    title: str
    total: Fraction
    levels: Levels
    categories: tuple[Category, ...]
    items: tuple[Item, ...]
    vetoes: tuple[Veto, ...]
    eligibility: dict[str, EligibilityRule]
    source: str
    ordering_category: str = "B"

    @property
    def item_ids(self) -> list[str]:
        return [i.id for i in self.items]

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def items_of(self, category_id: str) -> list[Item]:
        return [i for i in self.items if i.category == category_id]

    @property
    def review_items(self) -> list[Item]:
        return [i for i in self.items if i.kind == "review"]

    @property
    def repeat_years(self) -> int:
        return int(self.eligibility["Q3"].params.get("repeat_years", 3))

    @property
    def recommend_value(self) -> str:
        return str(self.eligibility["Q4"].params.get("recommend", "同意推荐"))


def fmt(value: Fraction | Decimal | int | float) -> str:
    """A rubric number as a person writes it: 3, 2.5, 0.6."""
    number = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else value
    text = f"{Decimal(number).normalize():f}"
    return text


# ---------------------------------------------------------------- loading
class _Checker:
    """Reads fields of one table of the rubric, naming the place of any mistake."""

    def __init__(self, source: str, where: str, table: Any) -> None:
        self.source, self.where = source, where
        if not isinstance(table, dict):
            self.fail("", "应为一个表 / must be a table")
        self.table: dict[str, Any] = table

    def fail(self, key: str, message: str) -> NoReturn:
        place = f"{self.where}: 字段 '{key}'" if key else self.where
        raise ConfigError(f"{self.source}: {place}: {message}")

    def text(self, key: str, default: str | None = None) -> str:
        value = self.table.get(key, default)
        if not isinstance(value, str) or not value.strip():
            self.fail(key, "应为非空文字 / must be non-empty text")
        return str(value).strip()

    def number(self, key: str, default: float | None = None, positive: bool = False) -> Fraction:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(key, f"应为数字 / must be a number (got {value!r})")
        result = Fraction(repr(value)) if isinstance(value, float) else Fraction(int(value))
        if result < 0 or (positive and result == 0):
            self.fail(key, f"应为{'正数' if positive else '非负数'} / must be {'> 0' if positive else '≥ 0'}")
        return result


def _item(source: str, raw: Any, index: int, categories: dict[str, Category]) -> Item:
    where = f"item #{index + 1}"
    check = _Checker(source, where, raw)
    item_id = check.text("id").upper()
    check.where = f"item {item_id}"
    category = item_id[0]
    if category not in categories:
        check.fail("id", f"类别 {category} 不存在 / no category {category}")
    kind = check.text("kind")
    if kind not in KINDS:
        check.fail("kind", f"应为 {', '.join(KINDS)} 之一 / unknown kind {kind!r}")
    maximum = check.number("max", positive=True)
    values: dict[str, Any] = {}
    if kind == "ramp":
        values["lo"], values["hi"] = check.number("lo"), check.number("hi")
        if values["hi"] <= values["lo"]:
            check.fail("hi", "应大于 lo / must be greater than lo")
        ratio_of = raw.get("ratio_of")
        if ratio_of is not None:
            values["ratio_of"] = check.text("ratio_of")
            values["input"] = "ratio"
        else:
            values["input"] = check.text("input", "count")
            if values["input"] not in RAMP_INPUTS:
                check.fail("input", f"应为 {' 或 '.join(RAMP_INPUTS)} / must be percent or count")
            if values["input"] == "percent" and values["hi"] > 100:
                check.fail("hi", "百分比不能超过100 / a percentage cannot exceed 100")
    elif kind in ("per_unit", "deduct"):
        values["per"] = check.number("per", positive=True)
    elif kind == "levels":
        levels = raw.get("levels")
        if not isinstance(levels, dict) or not levels:
            check.fail("levels", "应为 {答案 = 分值} 的表 / must map answers to points")
        parsed = {}
        for answer in levels:
            pts = _Checker(source, f"item {item_id} levels", levels).number(answer)
            if pts > maximum:
                check.fail("levels", f"'{answer}' 的分值 {fmt(pts)} 超过满分 {fmt(maximum)}")
            parsed[str(answer).strip()] = pts
        if max(parsed.values()) != maximum:
            check.fail("levels", f"最高档分值应等于满分 {fmt(maximum)} / the best answer must give max")
        values["levels"] = parsed
    return Item(
        id=item_id,
        name=check.text("name"),
        category=category,
        max=maximum,
        kind=kind,
        column=check.text("column"),
        note=str(raw.get("note", "")),
        **values,
    )


def _veto(source: str, raw: Any, index: int) -> Veto:
    check = _Checker(source, f"veto #{index + 1}", raw)
    veto_id = check.text("id")
    check.where = f"veto {veto_id}"
    op = check.text("op")
    if op not in VETO_OPS:
        check.fail("op", f"应为 {' '.join(VETO_OPS)} 之一")
    has_value, has_other = "value" in raw, "other" in raw
    if has_value == has_other:
        check.fail("value", "应给出 value 或 other 之一 / give exactly one of value and other")
    value: Fraction | bool | None = None
    if has_value:
        value = raw["value"] if isinstance(raw["value"], bool) else check.number("value")
    return Veto(
        id=veto_id,
        name=check.text("name"),
        field=check.text("field"),
        op=op,
        value=value,
        other=check.text("other") if has_other else None,
    )


def parse_rubric(data: dict[str, Any], source: str) -> Rubric:
    top = _Checker(source, "rubric", data)
    levels_check = _Checker(source, "[levels]", data.get("levels", {}))
    levels = Levels(
        pass_total=levels_check.number("pass_total", 80),
        demonstration_total=levels_check.number("demonstration_total", 90),
        category_share=levels_check.number("category_share", 0.6),
    )
    if levels.category_share > 1:
        levels_check.fail("category_share", "应在 0 到 1 之间 / must be between 0 and 1")
    raw_categories = data.get("categories")
    if not isinstance(raw_categories, list) or not raw_categories:
        top.fail("categories", "缺少 [[categories]] / no categories")
    categories: dict[str, Category] = {}
    for n, raw in enumerate(raw_categories):
        check = _Checker(source, f"category #{n + 1}", raw)
        cid = check.text("id").upper()
        if cid in categories:
            check.fail("id", f"类别 {cid} 重复 / category {cid} twice")
        categories[cid] = Category(cid, check.text("name"), check.number("max", positive=True))
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        top.fail("items", "缺少 [[items]] / no items")
    items = [_item(source, raw, n, categories) for n, raw in enumerate(raw_items)]
    seen: set[str] = set()
    bases: dict[str, str] = {}
    for item in items:
        if item.id in seen:
            raise ConfigError(f"{source}: item {item.id}: 编号重复 / the id is used twice")
        seen.add(item.id)
        base = header_base(item.column)
        if base in bases:
            raise ConfigError(f"{source}: item {item.id}: 字段 'column' 与 {bases[base]} 相同 / same column")
        bases[base] = item.id
    for cat in categories.values():
        got = sum((i.max for i in items if i.category == cat.id), Fraction(0))
        if got != cat.max:
            raise ConfigError(
                f"{source}: category {cat.id} ({cat.name}): 各项满分之和 {fmt(got)} ≠ 类别满分 {fmt(cat.max)}"
                f" / item maxima add up to {fmt(got)}, not {fmt(cat.max)}"
            )
    total = top.number("total", 100, positive=True)
    if sum((c.max for c in categories.values()), Fraction(0)) != total:
        top.fail("total", "各类别满分之和不等于总分 / category maxima do not add up to the total")
    vetoes = tuple(_veto(source, raw, n) for n, raw in enumerate(data.get("vetoes", [])))
    ordering = _Checker(source, "[ordering]", data.get("ordering", {"category": "B"})).text("category").upper()
    if ordering not in categories:
        top.fail("ordering", f"类别 {ordering} 不存在 / no category {ordering}")
    raw_elig = data.get("eligibility", {})
    eligibility: dict[str, EligibilityRule] = {}
    for code in ELIGIBILITY_CODES:
        check = _Checker(source, f"[eligibility.{code}]", raw_elig.get(code, {}))
        params = {k: v for k, v in check.table.items() if k not in ("name", "rule")}
        if code == "Q3" and "repeat_years" in params:
            check.number("repeat_years", positive=True)
        eligibility[code] = EligibilityRule(code, check.text("name"), check.text("rule"), params)
    return Rubric(
        title=top.text("title"),
        total=total,
        levels=levels,
        categories=tuple(categories.values()),
        items=tuple(items),
        vetoes=vetoes,
        eligibility=eligibility,
        source=source,
        ordering_category=ordering,
    )


def default_rubric_text() -> str:
    return resources.files("greencomm.programme").joinpath("rubric.toml").read_text(encoding="utf-8")


def load_rubric(path: Path | None = None) -> Rubric:
    """The built-in rubric, or the clerk's file."""
    if path is None:
        text, source = default_rubric_text(), "rubric.toml（内置）"
    else:
        try:
            text, source = path.read_text(encoding="utf-8"), str(path)
        except FileNotFoundError as exc:
            raise ConfigError(f"{path}: 找不到评分标准文件 / rubric file not found") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: 评分标准文件应为 UTF-8 文本 / the rubric must be UTF-8 text") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: 不是有效的 TOML（{exc}）/ not valid TOML") from exc
    return parse_rubric(data, source)
