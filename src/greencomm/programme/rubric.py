"""The scoring rubric (docs/rules.md#rubric): a TOML data file, loaded and checked here and nowhere else.

A broken rubric is reported by item and field (`rubric.toml: item B1: field 'hi': …`), so a clerk
who edited a copy can find the mistake.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

from greencomm.errors import ConfigError
from greencomm.programme.headers import header_base
from greencomm.programme.settings import parse_toml, read_text, unknown_key

KINDS = ("bool", "levels", "ramp", "per_unit", "deduct", "review")
RAMP_INPUTS = ("percent", "count")
VETO_OPS = ("<", "<=", ">", ">=", "==", "!=")
ELIGIBILITY_CODES = ("Q1", "Q2", "Q3", "Q4")

# The keys each table may hold: one that nothing reads is refused, since it is a typo (`hii = 90`)
# or a leftover of another kind (`per` on a ramp) and ignoring it would score by a rule the clerk
# did not write.
TOP_KEYS = ("title", "total", "levels", "ordering", "categories", "items", "vetoes", "eligibility")
LEVEL_KEYS = ("pass_total", "demonstration_total", "category_share")
CATEGORY_KEYS = ("id", "name", "max")
ITEM_KEYS = ("id", "name", "max", "kind", "column")
KIND_KEYS: dict[str, tuple[str, ...]] = {
    "bool": (),
    "levels": ("levels",),
    "ramp": ("input", "lo", "hi", "ratio_of"),
    "per_unit": ("per", "note"),  # the note is shown in the per_unit rule's words
    "deduct": ("per",),
    "review": (),
}
VETO_KEYS = ("id", "name", "field", "op", "value", "other")
ELIGIBILITY_KEYS = ("name", "rule")
ELIGIBILITY_PARAMS: dict[str, tuple[str, ...]] = {"Q1": (), "Q2": (), "Q3": ("repeat_years",), "Q4": ("recommend",)}


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
    """Reads fields of one table of the rubric, naming the place of any mistake. Tables are named as
    dotted keys (`eligibility.Q3`), not `[eligibility.Q3]`: the terminal reads square brackets as markup."""

    def __init__(self, source: str, where: str, table: Any) -> None:
        self.source, self.where = source, where
        if not isinstance(table, dict):
            self.fail("", "应为一个表 / must be a table")
        self.table: dict[str, Any] = table

    def fail(self, key: str, message: str) -> NoReturn:
        place = f"{self.where}: 字段 '{key}'" if key else self.where
        raise ConfigError(f"{self.source}: {place}: {message}")

    def only(self, known: tuple[str, ...], elsewhere: dict[str, str] | None = None) -> None:
        """Refuse a key no rule reads; `elsewhere` says why for keys that belong to other kinds, so a
        leftover is told apart from a typo."""
        for key in self.table:
            if key not in known:
                self.fail(key, (elsewhere or {}).get(key) or unknown_key(str(key), known))

    def text(self, key: str, default: str | None = None) -> str:
        value = self.table.get(key, default)
        if not isinstance(value, str) or not value.strip():
            self.fail(key, "应为非空文字 / must be non-empty text")
        return str(value).strip()

    def number(self, key: str, default: float | None = None, positive: bool = False) -> Fraction:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(key, f"应为数字 / must be a number (got {value!r})")
        if isinstance(value, float) and not math.isfinite(value):  # TOML's inf and nan: no points or threshold
            self.fail(key, f"应为有限的数字，不能是 inf 或 nan / must be a finite number (got {value!r})")
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
    check.only(ITEM_KEYS + KIND_KEYS[kind], _kinds_of_keys(kind))
    maximum = check.number("max", positive=True)
    values: dict[str, Any] = {}
    if kind == "ramp":
        values["lo"], values["hi"] = check.number("lo"), check.number("hi")
        if values["hi"] <= values["lo"]:
            check.fail("hi", "应大于 lo / must be greater than lo")
        ratio_of = raw.get("ratio_of")
        if ratio_of is not None:
            if "input" in raw:
                check.fail("input", "有 ratio_of 的项不用 input / a ratio item takes no input")
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


def _kinds_of_keys(kind: str) -> dict[str, str]:
    """For each key of the other kinds that this kind does not use, why it is refused: `per` left on
    an item changed from per_unit to ramp."""
    users: dict[str, list[str]] = {}
    for other, keys in KIND_KEYS.items():
        for key in keys:
            if key not in KIND_KEYS[kind]:
                users.setdefault(key, []).append(other)
    why = {key: "/".join(kinds) for key, kinds in users.items()}
    return {
        key: f"{kind} 类的项不用此字段（{by} 才用）/ a {kind} item does not use it (only {by})"
        for key, by in why.items()
    }


def _veto(source: str, raw: Any, index: int) -> Veto:
    check = _Checker(source, f"veto #{index + 1}", raw)
    veto_id = check.text("id")
    check.where = f"veto {veto_id}"
    check.only(VETO_KEYS)
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


def _levels(source: str, raw: Any) -> Levels:
    check = _Checker(source, "levels", raw)
    check.only(LEVEL_KEYS)
    levels = Levels(
        pass_total=check.number("pass_total", 80),
        demonstration_total=check.number("demonstration_total", 90),
        category_share=check.number("category_share", 0.6),
    )
    if levels.category_share > 1:
        check.fail("category_share", "应在 0 到 1 之间 / must be between 0 and 1")
    if levels.pass_total > levels.demonstration_total:  # every 示范 candidate must also pass
        check.fail(
            "",
            f"pass_total = {fmt(levels.pass_total)} 高于 demonstration_total = {fmt(levels.demonstration_total)}"
            " / the pass threshold is above the demonstration threshold",
        )
    return levels


def _eligibility(source: str, raw: Any) -> dict[str, EligibilityRule]:
    """Q1–Q4: their texts, and the parameters the rules read (Q3 repeat_years, Q4 recommend)."""
    table = _Checker(source, "eligibility", raw)
    table.only(ELIGIBILITY_CODES)
    eligibility: dict[str, EligibilityRule] = {}
    for code in ELIGIBILITY_CODES:
        check = _Checker(source, f"eligibility.{code}", table.table.get(code, {}))
        check.only(ELIGIBILITY_KEYS + ELIGIBILITY_PARAMS[code])
        params = {k: v for k, v in check.table.items() if k not in ELIGIBILITY_KEYS}
        if "repeat_years" in params:
            years = check.number("repeat_years", positive=True)
            if years.denominator != 1:  # a window of 2.5 years is no window a clerk can count
                got = params["repeat_years"]
                check.fail("repeat_years", f"应为整数年 / must be a whole number of years (got {got})")
        if "recommend" in params:
            params["recommend"] = check.text("recommend")
        eligibility[code] = EligibilityRule(code, check.text("name"), check.text("rule"), params)
    return eligibility


def parse_rubric(data: dict[str, Any], source: str) -> Rubric:
    top = _Checker(source, "rubric", data)
    top.only(TOP_KEYS)
    levels = _levels(source, data.get("levels", {}))
    raw_categories = data.get("categories")
    if not isinstance(raw_categories, list) or not raw_categories:
        top.fail("categories", "缺少 [[categories]] / no categories")
    categories: dict[str, Category] = {}
    for n, raw in enumerate(raw_categories):
        check = _Checker(source, f"category #{n + 1}", raw)
        check.only(CATEGORY_KEYS)
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
    raw_vetoes = data.get("vetoes", [])
    if not isinstance(raw_vetoes, list):
        top.fail("vetoes", "应为一组表，每个否决项一个 / must be an array of tables, one per veto")
    vetoes = tuple(_veto(source, raw, n) for n, raw in enumerate(raw_vetoes))
    order_check = _Checker(source, "ordering", data.get("ordering", {"category": "B"}))
    order_check.only(("category",))
    ordering = order_check.text("category").upper()
    if ordering not in categories:
        top.fail("ordering", f"类别 {ordering} 不存在 / no category {ordering}")
    eligibility = _eligibility(source, data.get("eligibility", {}))
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
    """The built-in rubric, or the clerk's file (UTF-8 or GB18030, as settings.read_text reads)."""
    if path is None:
        text, source = default_rubric_text(), "rubric.toml（内置）"
    else:
        text, source = read_text(path, ("评分标准文件", "rubric file")), str(path)
    return parse_rubric(parse_toml(text, source), source)
