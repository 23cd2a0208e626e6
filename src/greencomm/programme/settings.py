"""Programme settings (docs/rules.md#command-line): built-in defaults, overridden by greencomm.toml,
--config and --year.

Everything the scheme leaves to the city (districts, quotas, payers, deadline, contact…) is a
setting, never a literal in the rules code.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from greencomm.errors import ConfigError

CONFIG_NAME = "greencomm.toml"
DEFAULT_DISTRICTS = ["芙蓉区", "天心区", "岳麓区", "开福区", "雨花区", "望城区"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Thresholds(_Strict):
    """Overrides of the rubric's [levels]; None keeps the rubric's value."""

    pass_total: float | None = Field(None, ge=0)
    demonstration_total: float | None = Field(None, ge=0)
    category_share: float | None = Field(None, ge=0, le=1)


class Quotas(_Strict):
    demonstration: int = Field(20, ge=1, description="示范社区 named each year")
    onsite: int = Field(30, ge=1, description="candidates recommended for on-site review")


class ReviewRules(_Strict):
    min_reviewers: int = Field(3, ge=1, description="fewer remaining reviewers is a warning")
    trim_from: int = Field(5, ge=3, description="with this many reviewers drop one highest and one lowest")
    self_eval_flag: float = Field(5, ge=0, description="flag self-evaluation this far above the reviewed sum")
    city_level: str = Field("市直", min_length=1, description="专家所在区 of city-level experts")


class Payer(_Strict):
    name: str = Field(min_length=1)
    amount: int = Field(ge=0, description="yuan per 示范社区")


class Notice(_Strict):
    working_days: int = Field(5, ge=1, le=60)


class Contact(_Strict):
    office: str = "xx市创建节能环保社区工作领导小组办公室"
    address: str = "xx市环境保护宣传教育站"
    phone: str = "0731-00000000"
    email: str = "cjb@example.gov.cn"


class Limits(_Strict):
    """What an untrusted workbook may ask of this machine (docs/rules.md#untrusted-input)."""

    max_rows: int = Field(200_000, ge=1, description="data rows of one sheet (a header of up to 100 rows on top)")
    max_columns: int = Field(200, ge=1, le=16_384)
    max_file_mb: int = Field(200, ge=1)
    max_entries: int = Field(10_000, ge=10, description="parts inside the .xlsx container")
    max_uncompressed_mb: int = Field(2_048, ge=1)
    max_ratio: int = Field(200, ge=10, description="uncompressed ÷ compressed size of one part")
    max_read_mb: int = Field(2_048, ge=256, description="memory the process reading one sheet may use")
    max_read_seconds: int = Field(120, ge=1, description="time one sheet's reading may take")
    max_text_chars: int = Field(500, ge=50, le=32_767, description="characters in one cell")


class Settings(_Strict):
    city: str = Field("xx市", min_length=1)
    year: int = Field(default_factory=lambda: dt.date.today().year, ge=2000, le=2100)
    districts: list[str] = Field(default_factory=lambda: list(DEFAULT_DISTRICTS), min_length=1)
    deadline: dt.date | None = Field(None, description="submission deadline; default 30 Sep of the year")
    fund: str = "节能专项资金"
    issuer: str = "xx市创建节能环保社区工作领导小组办公室"
    rubric: Path | None = Field(None, description="a rubric TOML file; default the built-in rubric")
    thresholds: Thresholds = Thresholds()
    quotas: Quotas = Quotas()
    review: ReviewRules = ReviewRules()
    payers: list[Payer] = Field(
        default_factory=lambda: [Payer(name="市环保局", amount=10_000), Payer(name="市能源局", amount=10_000)]
    )
    notice: Notice = Notice()
    contact: Contact = Contact()
    limits: Limits = Limits()

    @field_validator("districts")
    @classmethod
    def _unique_districts(cls, value: list[str]) -> list[str]:
        cleaned = [d.strip() for d in value]
        if any(not d for d in cleaned):
            raise ValueError("区名不能为空 / a district name is empty")
        if len(set(cleaned)) != len(cleaned):
            raise ValueError("区名重复 / a district is listed twice")
        return cleaned

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


def _format_validation_error(source: str, err: ValidationError) -> str:
    lines = [f"{source}: 设置有误 / invalid settings"]
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"]) or "(top)"
        got = e.get("input")
        shown = "" if isinstance(got, dict) else f"（值 {got!r}）"
        lines.append(f"  {where}: {e['msg']}{shown}")
    return "\n".join(lines)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: 找不到设置文件 / settings file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: 不是有效的 TOML（{exc}）/ not valid TOML") from exc


def load_settings(
    config: Path | None = None,
    year: int | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Defaults ← ./greencomm.toml (or --config) ← --year."""
    data: dict[str, Any] = {}
    source = "默认设置"
    path = config if config is not None else (cwd or Path.cwd()) / CONFIG_NAME
    if config is not None or path.is_file():
        data = _read_toml(path)
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
