"""The programme: its settings, its rubric and the workbook layouts they imply. Data, loaded and
checked in one place; every stage may read it."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from greencomm.programme.rubric import Levels, Rubric, load_rubric
from greencomm.programme.settings import Settings, load_settings


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
    settings = load_settings(config, year)
    return Programme(settings, load_rubric(settings.rubric))
