"""Programme settings (docs/rules.md#command-line): built-in defaults, overridden by greencomm.toml,
--config and --year.

Everything the scheme leaves to the city (districts, quotas, payers, deadline, contact…) is a
setting, never a literal in the rules code.
"""

from __future__ import annotations

import codecs
import datetime as dt
import difflib
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from greencomm.errors import ConfigError

CONFIG_NAME = "greencomm.toml"
DEFAULT_DISTRICTS = ["芙蓉区", "天心区", "岳麓区", "开福区", "雨花区", "望城区"]


# Lax parsing would take `demonstration = true` as 1 and `onsite = 30.0` as 30: a clerk who typed
# that meant something else, so whole numbers must be TOML integers and numbers must be numbers
# (an integer is one: `pass_total = 80`). Dates and text keep pydantic's ordinary parsing.
Int = Annotated[int, Field(strict=True)]
Number = Annotated[float, Field(strict=True)]


class _Strict(BaseModel):
    # inf and nan are TOML floats, but no threshold, amount or limit can be one
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Thresholds(_Strict):
    """Overrides of the rubric's [levels]; None keeps the rubric's value."""

    pass_total: Number | None = Field(None, ge=0)
    demonstration_total: Number | None = Field(None, ge=0)
    category_share: Number | None = Field(None, ge=0, le=1)

    @model_validator(mode="after")
    def _pass_not_above_demonstration(self) -> Thresholds:
        """Every 示范 candidate must also pass: a pass line above the demonstration line is a typing mistake."""
        low, high = self.pass_total, self.demonstration_total
        if low is not None and high is not None and low > high:
            raise ValueError(
                f"pass_total = {figure(low)} 高于 demonstration_total = {figure(high)}"
                " / the pass threshold is above the demonstration threshold"
            )
        return self


class Quotas(_Strict):
    demonstration: Int = Field(20, ge=0, description="示范社区 named each year; 0: a one-tier programme")
    onsite: Int = Field(30, ge=1, description="candidates recommended for on-site review")
    refill: bool = Field(False, description="a 示范 place freed by an upheld objection goes to the next in order")


class ReviewRules(_Strict):
    min_reviewers: Int = Field(3, ge=1, description="fewer remaining reviewers is a warning")
    trim_from: Int = Field(5, ge=3, description="with this many reviewers drop one highest and one lowest")
    self_eval_flag: Number = Field(5, ge=0, description="flag self-evaluation this far above the reviewed sum")
    city_level: str = Field("市直", min_length=1, description="专家所在区 of city-level experts")


class Payer(_Strict):
    name: str = Field(min_length=1)
    amount: Int = Field(ge=0, description="yuan per 示范社区")


class Notice(_Strict):
    working_days: Int = Field(5, ge=1, le=60)


class Recheck(_Strict):
    """Re-checks of titled communities (动态管理, docs/rules.md#register)."""

    deadline_days: Int = Field(90, ge=1, le=730, description="days given to put things right (限期整改)")
    revoke_on_veto: bool = Field(False, description="a veto at a first re-check revokes at once, with no 整改")


class Contact(_Strict):
    """Where objections go. office and address default to the city's own (see Programme.contact)."""

    office: str | None = Field(None, min_length=1, description="default: the issuer")
    address: str | None = Field(None, min_length=1, description="default: {city}环境保护宣传教育站")
    phone: str = "0731-00000000"
    email: str = "cjb@example.gov.cn"


class ActivityType(_Strict):
    """A kind of 创建活动 and what is counted of it: people (人次) or things (张、册、份…)."""

    name: str = Field(min_length=1)
    unit: str = Field("人次", min_length=1, description="人次: people are counted; any other unit: a quantity")

    @property
    def counts_people(self) -> bool:
        return self.unit == PEOPLE


PEOPLE = "人次"
DEFAULT_COMMUNITY_TYPES = ["老城区社区", "商品房小区", "城中村或农民新村", "单位大院", "混合型"]
DEFAULT_ACTIVITY_TYPES = ["培训", "宣传", "交流", "其他"]


class Limits(_Strict):
    """What an untrusted workbook may ask of this machine (docs/rules.md#untrusted-input)."""

    max_rows: Int = Field(200_000, ge=1, description="data rows of one sheet (a header of up to 100 rows on top)")
    max_columns: Int = Field(200, ge=1, le=16_384)
    max_file_mb: Int = Field(200, ge=1)
    max_entries: Int = Field(10_000, ge=10, description="parts inside the .xlsx container")
    max_uncompressed_mb: Int = Field(2_048, ge=1)
    max_ratio: Int = Field(200, ge=10, description="uncompressed ÷ compressed size of one part")
    # below about 400 MB the reading process cannot even load its reader (address space, not memory used)
    max_read_mb: Int = Field(2_048, ge=512, description="memory the process reading one sheet may use")
    max_read_seconds: Int = Field(120, ge=1, description="time one sheet's reading may take")
    max_text_chars: Int = Field(500, ge=50, le=32_767, description="characters in one cell")


class Target(_Strict):
    """A multi-year target of the scheme (seed 000: 三年内完成100个): titles named from `from` to `to`."""

    titles: Int = Field(ge=1, description="titles to be named over the period, revoked ones not counted")
    first: Int = Field(alias="from", ge=2000, le=2100, description="first year of the period")
    last: Int = Field(alias="to", ge=2000, le=2100, description="last year of the period")

    @model_validator(mode="after")
    def _ordered(self) -> Target:
        if self.first > self.last:
            raise ValueError(f"from = {self.first} 晚于 to = {self.last} / from is after to")
        return self


class Settings(_Strict):
    city: str = Field("xx市", min_length=1)
    programme: str = Field("节能环保社区", min_length=1, description="the title's name: 节能环保社区, 绿色社区…")
    demonstration_title: str | None = Field(None, min_length=1, description="default: …示范社区 from programme")
    scheme: str | None = Field(None, min_length=1, description="the scheme the documents cite as their basis")
    community_types: list[str] = Field(default_factory=lambda: list(DEFAULT_COMMUNITY_TYPES), min_length=1)
    activity_types: list[ActivityType] = Field(
        default_factory=lambda: [ActivityType(name=n) for n in DEFAULT_ACTIVITY_TYPES], min_length=1
    )
    year: Int = Field(default_factory=lambda: dt.date.today().year, ge=2000, le=2100)
    districts: list[str] = Field(default_factory=lambda: list(DEFAULT_DISTRICTS), min_length=1)
    deadline: dt.date | None = Field(None, description="submission deadline; default 30 Sep of the year")
    fund: str = "节能专项资金"
    issuer: str | None = Field(None, min_length=1, description="default: {city}创建{programme}工作领导小组办公室")
    rubric: Path | None = Field(None, description="a rubric TOML file; default the built-in rubric")
    thresholds: Thresholds = Thresholds()
    quotas: Quotas = Quotas()
    review: ReviewRules = ReviewRules()
    payers: list[Payer] = Field(
        default_factory=lambda: [Payer(name="市环保局", amount=10_000), Payer(name="市能源局", amount=10_000)]
    )
    notice: Notice = Notice()
    target: Target | None = Field(None, description="a multi-year target the summary reports against; none by default")
    recheck: Recheck = Recheck()
    contact: Contact = Contact()
    limits: Limits = Limits()

    @field_validator("districts", "community_types")
    @classmethod
    def _unique_names(cls, value: list[str]) -> list[str]:
        cleaned = [d.strip() for d in value]
        if any(not d for d in cleaned):
            raise ValueError("名称不能为空 / a name is empty")
        if len(set(cleaned)) != len(cleaned):
            raise ValueError("名称重复 / a name is listed twice")
        return cleaned

    @field_validator("activity_types")
    @classmethod
    def _unique_activities(cls, value: list[ActivityType]) -> list[ActivityType]:
        names = [a.name.strip() for a in value]
        if len(set(names)) != len(names):
            raise ValueError("活动类型重复 / an activity type is listed twice")
        return value

    @model_validator(mode="after")
    def _deadline_in_year(self) -> Settings:
        if self.deadline is not None and self.deadline.year != self.year:
            raise ValueError(f"deadline {self.deadline} 不在 {self.year} 年度内 / is not in the programme year")
        return self

    @property
    def submission_deadline(self) -> dt.date:
        return self.deadline or dt.date(self.year, 9, 30)

    @property
    def amount_per_demonstration(self) -> int:
        return sum(p.amount for p in self.payers)


def shown(value: object) -> str:
    """A value as the clerk wrote it in TOML (true, not Python's True)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def figure(value: float) -> str:
    """A threshold as a person writes it: 95, not the 95.0 it became once read as a number."""
    return str(int(value)) if value.is_integer() else repr(value)


def nearest(key: str, known: Iterable[str]) -> str | None:
    """The known key a mistyped one most likely meant (difflib), or None when none is close."""
    found = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return found[0] if found else None


def unknown_key(key: str, known: Iterable[str], zh: str = "未知字段", en: str = "unknown key") -> str:
    """The message for a key nothing reads: silently ignoring it would hide a typo."""
    guess = nearest(key, known)
    if guess is None:
        return f"{zh} / {en}"
    return f"{zh}，是否想写 '{guess}'？/ {en}; did you mean '{guess}'?"


# The mistakes a clerk makes most, said in both languages; any other keeps pydantic's English.
_MESSAGES = {
    "missing": "缺少此项 / missing",
    "int_type": "应为整数 / must be a whole number",
    "float_type": "应为数字 / must be a number",
    "finite_number": "应为有限的数字，不能是 inf 或 nan / must be a finite number, not inf or nan",
    "greater_than_equal": "应不小于 {ge} / must be at least {ge}",
    "less_than_equal": "应不大于 {le} / must be at most {le}",
}


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The settings table a field holds (Quotas, list[Payer] → Payer), or None for a plain value."""
    if get_origin(annotation) is None and isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((m for m in map(_model_in, get_args(annotation)) if m is not None), None)


def _keys_at(loc: tuple[int | str, ...]) -> list[str]:
    """The settings a table at `loc` may hold (`("quotas",)` → demonstration, onsite)."""
    model: type[BaseModel] | None = Settings
    for part in loc:
        if isinstance(part, int):  # an entry of [[payers]]
            continue
        field = model.model_fields.get(part) if model is not None else None
        model = _model_in(field.annotation) if field is not None else None
    return list(model.model_fields) if model is not None else []


def _error_line(error: Any) -> str:
    """One mistake: where, what is wrong (in both languages where we can), the value written."""
    loc = tuple(error["loc"])
    where = ".".join(str(p) for p in loc) or "(top)"
    kind, got = error["type"], error.get("input")
    if kind == "extra_forbidden":
        what = unknown_key(str(loc[-1]), _keys_at(loc[:-1]), "未知的设置项", "unknown setting")
    elif kind == "value_error":  # our own validators' messages are bilingual already
        what = str(error.get("ctx", {}).get("error", error["msg"]))
    else:
        bounds = {k: figure(v) if isinstance(v, float) else v for k, v in error.get("ctx", {}).items()}
        what = _MESSAGES[kind].format(**bounds) if kind in _MESSAGES else error["msg"]
    value = "" if isinstance(got, dict) else f"（值 {shown(got)}）"
    return f"  {where}: {what}{value}"


def _format_validation_error(source: str, err: ValidationError) -> str:
    return "\n".join([f"{source}: 设置有误 / invalid settings", *(_error_line(e) for e in err.errors())])


# ---------------------------------------------------------------- files a clerk edits
def decode_text(raw: bytes) -> str | None:
    """Text as Windows editors save it: UTF-8 (a BOM allowed, as Notepad writes it), UTF-16 with its
    BOM (Notepad's "Unicode"), else GB18030 — a superset of GBK, old Notepad's "ANSI" on a Chinese
    Windows. UTF-8 is tried first: GBK bytes are almost never valid UTF-8. None when it is neither."""
    encodings = ("utf-16",) if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def read_text(path: Path, kind: tuple[str, str]) -> str:
    """A file a clerk edited, as text; `kind` names it in Chinese and English ("设置文件", "settings
    file"). A folder, a missing or unreadable file, or bytes that are no text are ConfigErrors naming it."""
    zh, en = kind
    if path.is_dir():
        raise ConfigError(f"{path}: 这是文件夹，不是{zh} / a folder, not a {en}")
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: 找不到{zh} / {en} not found") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: 无法读取{zh}（{exc.strerror}）/ cannot read the {en}") from exc
    text = decode_text(raw)
    if text is None:
        raise ConfigError(
            f"{path}: {zh}应为 UTF-8 或 GB18030（GBK）编码的文本 / the {en} must be text in UTF-8 or GB18030 (GBK)"
        )
    return text


def parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: 不是有效的 TOML（{exc}）/ not valid TOML") from exc


def settings_file(config: Path | None = None, cwd: Path | None = None) -> Path | None:
    """The file the settings come from: --config, else ./greencomm.toml if there is one, else None
    (the built-in defaults)."""
    if config is not None:
        return config
    path = (cwd or Path.cwd()) / CONFIG_NAME
    return path if path.is_file() else None


def load_settings(
    config: Path | None = None,
    year: int | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Defaults ← ./greencomm.toml (or --config) ← --year."""
    data: dict[str, Any] = {}
    source = "默认设置"
    path = settings_file(config, cwd)
    if path is not None:
        data = parse_toml(read_text(path, ("设置文件", "settings file")), str(path))
        source = str(path)
        rubric = data.get("rubric")
        if isinstance(rubric, str) and not Path(rubric).is_absolute():
            data["rubric"] = str(path.parent / rubric)  # relative to the settings file, as a clerk expects
    if year is not None:
        data["year"] = year
        deadline = data.get("deadline")
        if isinstance(deadline, dt.date) and deadline.year != year:
            data["deadline"] = deadline.replace(year=year)  # the same day in the year asked for
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_validation_error(source, exc)) from exc
