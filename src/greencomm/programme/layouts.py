"""The workbook layouts (docs/rules.md#district-workbook): which columns, of which type, with which
choices; the sheet names; the titles, types and choices a workbook offers.

Built from the settings and the rubric, so an edited rubric changes the template, the validation
and the scoring together.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, replace
from fractions import Fraction
from functools import cached_property

from greencomm.programme import Programme
from greencomm.programme.headers import header_base, header_key

RECOMMENDATIONS = ("同意推荐", "不同意推荐")
REGISTER_STATES = ("有效", "撤销")
VALID, REVOKED = REGISTER_STATES
VERDICTS = ("成立", "不成立")  # an objection raised during the 公示, after it was looked into
UPHELD, DISMISSED = VERDICTS

SUBMISSION_SHEET = "申报汇总表"
ACTIVITY_SHEET = "创建活动"
REVIEW_SHEET = "现场评审评分表"
REGISTER_SHEET = "历年命名名录"
OBJECTION_SHEET = "公示异议"
INSTRUCTIONS_SHEET = "填报说明"
RESULTS_SHEET = "评分依据"  # the provenance sheet that marks greencomm's own result workbooks
PROBLEM_SHEET = "问题清单"  # the problem list greencomm writes (first sheet of an annotated copy)


@dataclass(frozen=True)
class Column:
    key: str  # the name in code: "district", "occupancy", "B1"
    header: str  # the canonical header
    type: str  # text integer number percent yesno year date choice phone
    required: bool = True  # the column must exist
    value_required: bool = True  # a cell may not be blank
    choices: tuple[str, ...] = ()
    minimum: Fraction | None = None  # inclusive
    above: Fraction | None = None  # exclusive lower bound (> 0)
    maximum: Fraction | None = None
    help: str = ""
    aliases: tuple[str, ...] = ()  # other headers a district may use: the item id, no id
    words: tuple[str, str] = ("是", "否")  # how the template offers a yes/no column

    @property
    def base(self) -> str:
        return header_base(self.header)

    def __hash__(self) -> int:  # a set of columns keys caches asked once per workbook: hashed once
        return self._hash

    @cached_property
    def _hash(self) -> int:
        return hash(astuple(self))

    @cached_property
    def accepted(self) -> frozenset[str]:
        """Header keys that name this column (docs/rules.md#values: canonical, without id, id alone;
        any of them with or without a trailing bracketed part)."""
        return frozenset(header_base(h) for h in (self.header, *self.aliases))


ZERO = Fraction(0)


def identity_columns(programme: Programme) -> tuple[Column, ...]:
    """Who the community is and what it applies for; the choices are the programme's."""
    settings = programme.settings
    return (
        Column("seq", "序号", "integer", required=False, value_required=False, minimum=ZERO),
        Column("district", "所属区", "text", help="填写区名，如 " + settings.districts[0]),
        Column("street", "所属街道", "text"),
        Column("community", "社区名称", "text", help="同一区内社区名称不得重复"),
        Column("community_type", "社区类型", "choice", choices=tuple(settings.community_types)),
        Column("households", "户数", "integer", above=ZERO),
        Column("population", "常住人口", "integer", above=ZERO),
        Column("occupancy", "入住率(%)", "percent", help="可填 85%、85 或 0.85"),
        # one title to apply for (a one-tier programme): the column may be left out, or blank
        Column(
            "target",
            "申报类别",
            "choice",
            choices=programme.targets,
            required=programme.two_tier,
            value_required=programme.two_tier,
        ),
        Column("district_title_year", "区级称号获得年份", "year", value_required=False, help="四位年份，如 2021"),
        Column("city_title", "已获市级称号", "choice", choices=programme.city_titles),
        Column("city_title_year", "市级称号获得年份", "year", value_required=False, help="已获市级称号时必填"),
        Column("penalty", "近三年环境违法处罚", "yesno", help="有/无", words=("有", "无")),
        Column("complaints", "环境投诉件数", "integer", minimum=ZERO),
        Column("complaints_closed", "环境投诉按期办结件数", "integer", minimum=ZERO, help="不得大于环境投诉件数"),
        Column("incident", "近三年重大环境污染或安全事件", "yesno", help="有/无", words=("有", "无")),
        Column("recommendation", "区级推荐意见", "choice", choices=RECOMMENDATIONS),
    )


# Columns no rule reads: an error there changes no score, rank or list (docs/rules.md#documents).
NOT_JUDGED = ("seq", "contact", "phone", "fill_date", "self_total")

TRAILER = (
    Column("contact", "联系人", "text"),
    Column("phone", "联系电话", "phone", help="手机11位或带区号的固定电话，如 0731-84567890"),
    Column("fill_date", "填报日期", "date", help="如 2026-09-15"),
    Column("self_total", "自评总分", "number", required=False, value_required=False, minimum=ZERO),
)


def _item_aliases(item_id: str, header: str) -> tuple[str, ...]:
    without_id = header[len(item_id) :].strip() if header.upper().startswith(item_id) else header
    return (item_id, without_id)


def item_column(item_id: str, programme: Programme) -> Column:
    column = _item_column(item_id, programme)
    return replace(column, aliases=_item_aliases(item_id, column.header))


def _item_column(item_id: str, programme: Programme) -> Column:
    item = programme.rubric.item(item_id)
    header = item.column
    if item.kind == "bool":
        return Column(item.id, header, "yesno", help="是/否")
    if item.kind == "levels":
        return Column(item.id, header, "choice", choices=tuple(item.levels))
    if item.kind == "review":
        return Column(item.id, header, "number", minimum=ZERO, maximum=item.max, help=f"自评分 0–{item.max}")
    if item.kind == "ramp" and item.input == "percent":
        return Column(item.id, header, "percent", help="可填 85%、85 或 0.85")
    # Counts (trainings, activities, kinds, problems, people) are whole numbers.
    return Column(item.id, header, "integer", minimum=ZERO)


def submission_columns(programme: Programme) -> tuple[Column, ...]:
    """Every column of 申报汇总表, in template order."""
    items = tuple(item_column(i.id, programme) for i in programme.rubric.items)
    return identity_columns(programme) + items + TRAILER


def recheck_columns(programme: Programme) -> tuple[Column, ...]:
    """A re-check workbook (docs/rules.md#re-check): the 申报汇总表's columns, of which only 所属区,
    社区名称 and the columns the rubric reads (its items, a ratio's base, the vetoes' fields) are
    needed; the others may be left out or blank (eligibility is not asked of a title's holder)."""
    columns = submission_columns(programme)
    named = [i.ratio_of for i in programme.rubric.items if i.ratio_of]
    named += [f for v in programme.rubric.vetoes for f in (v.field, v.other) if f]
    read = {"district", "community", *(i.id for i in programme.rubric.items)}
    read |= {c.key for h in named if (c := column_for_header(columns, h)) is not None}
    return tuple(c if c.key in read else replace(c, required=False, value_required=False) for c in columns)


def column_for_header(columns: tuple[Column, ...], field_header: str) -> Column | None:
    """The column a rubric reference (`常住人口`, `E6`, `入住率(%)`) names."""
    wanted = header_base(field_header)
    for col in columns:
        if col.key.lower() == header_key(field_header) or wanted in col.accepted:
            return col
    return None


def activity_columns(programme: Programme) -> tuple[Column, ...]:
    """创建活动: one row per activity; 参加人次 counts people, 数量 the things of a type counted in
    another unit (海报 in 张). Either may be blank: the count is then unknown, not 0."""
    return (
        Column("date", "日期", "date"),
        Column("type", "类型", "choice", choices=tuple(a.name for a in programme.settings.activity_types)),
        Column("name", "名称", "text"),
        Column("participants", "参加人次", "integer", value_required=False, minimum=ZERO),
        Column(
            "quantity",
            "数量",
            "integer",
            required=False,
            value_required=False,
            minimum=ZERO,
            help="宣传品等按张、册计数的活动填数量",
        ),
    )


def activity_read_columns(programme: Programme) -> tuple[Column, ...]:
    """Reading also accepts a 所属区 column, which greencomm's own result workbooks carry (one sheet
    for all districts); a district's own sheet has none and takes its workbook's district."""
    return (*activity_columns(programme), Column("district", "所属区", "text", required=False, value_required=False))


REGISTER_FIELDS = (("year", "年度"), ("district", "所属区"), ("community", "社区名称"), ("title", "称号"),
                   ("state", "状态"))  # fmt: skip


def register_columns(programme: Programme) -> tuple[Column, ...]:
    """历年命名名录: one row per title named, with its year and whether it still stands."""
    types = {"year": "year", "title": "choice", "state": "choice"}
    choices = {"title": programme.targets, "state": REGISTER_STATES}
    return tuple(
        Column(key, header, types.get(key, "text"), choices=choices.get(key, ())) for key, header in REGISTER_FIELDS
    )


def objection_columns() -> tuple[Column, ...]:
    """公示异议: one row per objection raised during the notice period and its finding."""
    return (
        Column("district", "所属区", "text"),
        Column("community", "社区名称", "text"),
        Column("verdict", "结论", "choice", choices=VERDICTS, help="核查结论：成立 或 不成立"),
        Column("note", "说明", "text", required=False, value_required=False, help="异议内容与核查情况"),
    )


# 状态变更记录 (docs/rules.md#register): a title's status changes, dated entries that are only ever
# appended; the register's own rows are never changed.
CHANGES_SHEET = "状态变更记录"
CHANGES = ("整改", "撤销", "恢复")
RECTIFY, REVOKE, RESTORE = CHANGES
RECTIFYING = RECTIFY  # the state of a title under rectification: still held (it still blocks, Q3)
CHANGE_FIELDS = (("date", "日期"), ("year", "年度"), ("district", "所属区"), ("community", "社区名称"),
                 ("title", "称号"), ("change", "变更"), ("reason", "原因"), ("doc", "文号"))  # fmt: skip


def change_columns(programme: Programme) -> tuple[Column, ...]:
    """状态变更记录: one dated entry per change of a title's status; 文号 may be blank (not yet issued)."""
    types = {"date": "date", "year": "year", "title": "choice", "change": "choice"}
    choices = {"title": programme.targets, "change": CHANGES}
    return tuple(
        Column(key, header, types.get(key, "text"), value_required=key != "doc", choices=choices.get(key, ()))
        for key, header in CHANGE_FIELDS
    )


def review_columns(programme: Programme) -> tuple[Column, ...]:
    scores = tuple(
        # A blank score is a warning about that reviewer (docs/rules.md#reviewers), never a missing value.
        replace(
            item_column(i.id, programme),
            header=i.id,
            aliases=_item_aliases(i.id, i.column),
            value_required=False,
        )
        for i in programme.rubric.review_items
    )
    return (
        Column("reviewer", "评审专家", "text"),
        Column("reviewer_district", "专家所在区", "text", help="区名，或 市直"),
        Column("district", "所属区", "text"),
        Column("community", "社区名称", "text"),
        *scores,
    )
