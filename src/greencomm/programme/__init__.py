"""The programme: its settings, its rubric and the workbook layouts they imply. Data, loaded and
checked in one place; every stage may read it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

from greencomm.errors import ConfigError
from greencomm.programme.rubric import Levels, Rubric, fmt, load_rubric
from greencomm.programme.settings import Settings, load_settings, nearest, settings_file

NO_TITLE = "无"  # 已获市级称号 when the community holds none


@dataclass(frozen=True)
class Programme:
    """The settings and the rubric of one programme year, with the levels in force."""

    settings: Settings
    rubric: Rubric

    @property
    def year(self) -> int:
        return self.settings.year

    # ---- what the programme is called, and its tiers (docs/rules.md#titles)
    @property
    def title(self) -> str:
        """The title a community is named with, and the status of those who get it: 节能环保社区."""
        return self.settings.programme

    @property
    def two_tier(self) -> bool:
        """Whether there is a demonstration tier above the title (`[quotas] demonstration` ≥ 1)."""
        return self.settings.quotas.demonstration > 0

    @property
    def demonstration_title(self) -> str | None:
        """节能环保示范社区, from the programme's name unless set; None in a one-tier programme."""
        if not self.two_tier:
            return None
        if self.settings.demonstration_title:
            return self.settings.demonstration_title
        name = self.title
        return f"{name[:-2]}示范社区" if name.endswith("社区") else f"{name}示范"

    @property
    def targets(self) -> tuple[str, ...]:
        """The titles a community may apply for (申报类别): the title, then the demonstration title."""
        return (self.title,) if self.demonstration_title is None else (self.title, self.demonstration_title)

    @property
    def city_titles(self) -> tuple[str, ...]:
        """What 已获市级称号 may say: none, or one of the titles."""
        return (NO_TITLE, *self.targets)

    # ---- what the documents cite and who signs them
    @property
    def scheme(self) -> str:
        """The scheme the documents cite as their basis: 《xx市节能环保社区创建工作实施方案》."""
        return self.settings.scheme or f"{self.settings.city}{self.title}创建工作实施方案"

    @property
    def rubric_title(self) -> str:
        """The rubric's title, the city and the programme filled in (by load_programme)."""
        return self.rubric.title

    @property
    def issuer(self) -> str:
        return self.settings.issuer or f"{self.settings.city}创建{self.title}工作领导小组办公室"

    @property
    def contact(self) -> dict[str, str]:
        """Where objections go: the settings' [contact], the office and address defaulting to the city's."""
        given = self.settings.contact
        return {
            "office": given.office or self.issuer,
            "address": given.address or f"{self.settings.city}环境保护宣传教育站",
            "phone": given.phone,
            "email": given.email,
        }

    @property
    def levels(self) -> Levels:
        t, lv = self.settings.thresholds, self.rubric.levels
        return Levels(
            pass_total=lv.pass_total if t.pass_total is None else Fraction(str(t.pass_total)),
            demonstration_total=(
                lv.demonstration_total if t.demonstration_total is None else Fraction(str(t.demonstration_total))
            ),
            category_share=lv.category_share if t.category_share is None else Fraction(str(t.category_share)),
        )


def load_programme(config: Path | None = None, year: int | None = None) -> Programme:
    """The settings and the rubric, each checked alone and then together: what one file can only get
    wrong in the light of the other is refused here, before any workbook is read."""
    settings = load_settings(config, year)
    programme = Programme(settings, _named(load_rubric(settings.rubric), settings))
    path = settings_file(config)
    _check_levels(programme, str(path) if path is not None else "默认设置")
    _check_columns(programme)
    return programme


def _named(rubric: Rubric, settings: Settings) -> Rubric:
    """The rubric's texts with the city and the programme filled in: a rubric is shared by
    programmes, and its title and eligibility texts say `{city}` and `{programme}` where each
    programme's own names go."""

    def fill(text: str) -> str:
        return text.replace("{city}", settings.city).replace("{programme}", settings.programme)

    eligibility = {
        code: replace(rule, name=fill(rule.name), rule=fill(rule.rule)) for code, rule in rubric.eligibility.items()
    }
    return replace(rubric, title=fill(rubric.title), eligibility=eligibility)


def _check_levels(programme: Programme, settings_source: str) -> None:
    """A [thresholds] override must keep the pass line at or below the demonstration line, as each
    file alone must (every 示范 candidate also passes). Both values are named with their file."""
    levels, overrides, rubric = programme.levels, programme.settings.thresholds, programme.rubric
    if levels.pass_total <= levels.demonstration_total:
        return
    pass_line = f"pass_total = {fmt(levels.pass_total)}"
    demo_line = f"demonstration_total = {fmt(levels.demonstration_total)}"
    if overrides.pass_total is not None:
        raise ConfigError(
            f"{settings_source}: thresholds.{pass_line} 高于 {rubric.source}: levels.{demo_line}"
            " / the pass threshold is above the demonstration threshold"
        )
    raise ConfigError(
        f"{settings_source}: thresholds.{demo_line} 低于 {rubric.source}: levels.{pass_line}"
        " / the demonstration threshold is below the pass threshold"
    )


def _check_columns(programme: Programme) -> None:
    """Every column a veto compares and every ratio's base must be a column of the district workbook:
    a typo is named with its veto or item now, not met as a crash in the middle of scoring."""
    # layouts is built from a Programme, so it imports this module: imported here, once both exist
    from greencomm.programme.layouts import column_for_header, submission_columns

    columns = submission_columns(programme)
    rubric = programme.rubric
    references = [
        *((f"veto {v.id}", "field", v.field) for v in rubric.vetoes),
        *((f"veto {v.id}", "other", v.other) for v in rubric.vetoes if v.other is not None),
        *((f"item {i.id}", "ratio_of", i.ratio_of) for i in rubric.items if i.ratio_of is not None),
    ]
    names = [c.header for c in columns] + rubric.item_ids
    for where, key, header in references:
        if column_for_header(columns, header) is None:
            guess = nearest(header, names)
            zh, en = (f"，是否想写 '{guess}'？", f"; did you mean '{guess}'?") if guess else ("", "")
            raise ConfigError(
                f"{rubric.source}: {where}: 字段 '{key}': 申报汇总表没有 '{header}' 这一列{zh}"
                f" / the district workbook has no column '{header}'{en}"
            )
