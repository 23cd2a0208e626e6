"""The programme: its settings, its rubric and the workbook layouts they imply. Data, loaded and
checked in one place; every stage may read it."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from greencomm.errors import ConfigError
from greencomm.programme.rubric import Levels, Rubric, fmt, load_rubric
from greencomm.programme.settings import Settings, load_settings, nearest, settings_file


@dataclass(frozen=True)
class Programme:
    """The settings and the rubric of one programme year, with the levels in force."""

    settings: Settings
    rubric: Rubric

    @property
    def year(self) -> int:
        return self.settings.year

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
    programme = Programme(settings, load_rubric(settings.rubric))
    path = settings_file(config)
    _check_levels(programme, str(path) if path is not None else "默认设置")
    _check_columns(programme)
    return programme


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
