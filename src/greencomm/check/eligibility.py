"""Eligibility (资格 Q1–Q4, docs/rules.md#eligibility): facts about a community, written once here.
`validate` reports them as warnings; greencomm.judge uses the same facts to decide the titles, with
Q3 judged for the title in play.

- Q1: 所属区 is one of the programme's districts.
- Q2: the district-level title is held: 区级称号获得年份 filled and not after the programme year.
- Q3: no repeat within the window: a city title of an earlier year Y counts while year − Y < 3 (the
  programme year's own titles, once in the register, are this year's result, never a block);
  示范社区 blocks both titles, 节能环保社区 blocks 节能环保社区 only. The register, when given,
  decides; a 撤销 entry blocks nothing.
- Q4: the district recommends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from greencomm.check.cells import Cell, rows, where
from greencomm.check.titles import HOLDING
from greencomm.problems import Problem
from greencomm.programme import NO_TITLE, Programme
from greencomm.programme.layouts import submission_columns
from greencomm.read.inputs import META, Part
from greencomm.read.names import name_key
from greencomm.read.values import map_unique

BASE_CODES = ("Q1", "Q2", "Q4")  # judged from the row alone; Q3 needs the title in play


def applies_for_demonstration(frame: pd.DataFrame, programme: Programme) -> pd.Series:
    """Whether each row applied for the demonstration title (never, in a one-tier programme)."""
    if programme.demonstration_title is None:
        return pd.Series(False, index=frame.index, dtype=bool)
    return frame.target == programme.demonstration_title


def failures(frame: pd.DataFrame, programme: Programme) -> dict[str, pd.Series]:
    """Q1, Q2 and Q4 of every row, as masks (True: not eligible on that count). A blank cell fails."""
    districts = {name_key(d) for d in programme.settings.districts}
    title_year = pd.to_numeric(frame.district_title_year, errors="coerce")
    return {
        "Q1": ~frame._district_key.isin(districts),
        "Q2": title_year.isna() | (title_year > programme.year),
        "Q4": frame.recommendation != programme.rubric.recommend_value,
    }


def base_codes(masks: dict[str, pd.Series], index: pd.Index) -> pd.Series:
    """The failed codes of every row, in code order: a list per row."""
    stacked = np.vstack([masks[c].to_numpy(dtype=bool) for c in BASE_CODES]) if len(index) else np.zeros((3, 0))
    out: list[list[str]] = [[] for _ in range(len(index))]
    for n in np.flatnonzero(stacked.any(axis=0)).tolist():
        out[n] = [code for code, hit in zip(BASE_CODES, stacked[:, n], strict=True) if hit]
    return pd.Series(out, index=index, dtype=object)


@dataclass
class TitleBlocks:
    """Q3: which titles a community cannot receive this year because of a recent city title."""

    demonstration: pd.Series  # bool: blocked for 示范社区
    pass_title: pd.Series  # bool: blocked for 节能环保社区
    held: pd.Series  # str: the title held, in words, for reasons ("2025年节能环保社区")
    disagree: list[tuple[Any, str, str]]  # row, workbook's title, register's title (a warning)

    def rows(self, index: pd.Index) -> TitleBlocks:
        """The blocks of these rows only."""
        kept = set(index)
        return TitleBlocks(self.demonstration.loc[index], self.pass_title.loc[index], self.held.loc[index],
                           [d for d in self.disagree if d[0] in kept])  # fmt: skip

    def for_title(self, demonstration: pd.Series) -> pd.Series:
        """Q3 for the title in play: 示范社区 where `demonstration` holds, 节能环保社区 elsewhere."""
        return self.demonstration.where(demonstration, self.pass_title)


def _blocks(titles: list[tuple[int, str]], year: int, window: int, demo_title: str | None) -> tuple[bool, bool, str]:
    recent = [(y, t) for y, t in titles if 0 < year - y < window]  # earlier years only
    demo = demo_title is not None and any(t == demo_title for _, t in recent)
    held = "、".join(f"{y}年{t}" for y, t in sorted(recent))
    return demo, bool(recent), held


def title_blocks(frame: pd.DataFrame, programme: Programme, register: pd.DataFrame | None) -> TitleBlocks:
    """Q3 of every row: from the register when given (authoritative), else from the workbook's
    已获市级称号 columns; where both are known and they disagree on what blocks, a warning."""
    year, window = programme.year, programme.rubric.repeat_years

    def judge(titles: list[tuple[int, str]]) -> tuple[bool, bool, str]:
        return _blocks(titles, year, window, programme.demonstration_title)

    claimed = pd.Series(list(zip(frame.city_title.tolist(), frame.city_title_year.tolist(), strict=True)),
                        index=frame.index, dtype=object)  # fmt: skip
    judged = map_unique(claimed, lambda ty: judge([(int(ty[1]), str(ty[0]))] if ty[0] not in (None, NO_TITLE)
                                                  and ty[1] is not None else []))  # fmt: skip
    disagree: list[tuple[Any, str, str]] = []
    if register is not None:
        # a title under 整改 is still held and blocks; a 撤销 one blocks nothing (docs/rules.md#register)
        known = register.state.isin(HOLDING) & register._key.notna() & register.year.notna() & register.title.notna()
        held: dict[str, list[tuple[int, str]]] = {}
        for key, y, title in zip(register._key[known], register.year[known], register.title[known], strict=True):
            held.setdefault(key, []).append((int(str(y)), str(title)))
        from_register = map_unique(frame._key, lambda k: judge(held.get(k, [])))
        differs = [b[:2] != r[:2] for b, r in zip(judged.tolist(), from_register.tolist(), strict=True)]
        for idx in frame.index[np.asarray(differs, dtype=bool)]:
            disagree.append((idx, judged[idx][2] or "无", from_register[idx][2] or "无"))
        judged = from_register
    triples = judged.tolist()
    return TitleBlocks(
        demonstration=pd.Series([j[0] for j in triples], index=frame.index, dtype=bool),
        pass_title=pd.Series([j[1] for j in triples], index=frame.index, dtype=bool),
        held=pd.Series([j[2] for j in triples], index=frame.index, dtype=object),
        disagree=disagree,
    )


@dataclass
class Eligibility:
    """What the judge needs of eligibility: Q1/Q2/Q4 codes per row, and the title blocks of Q3."""

    codes: pd.Series
    blocks: TitleBlocks


def eligibility(frame: pd.DataFrame, programme: Programme, register: pd.DataFrame | None) -> Eligibility:
    return Eligibility(base_codes(failures(frame, programme), frame.index), title_blocks(frame, programme, register))


def eligibility_problems(
    frame: pd.DataFrame, part: Part, programme: Programme, facts: Eligibility, flagged: set[Cell]
) -> list[Problem]:
    """Warnings of what `validate` sees: Q1, Q2, Q4; Q3 for the title applied for; and where the
    register and the workbook disagree. A cell that is already wrong (or holds no value, for Q1 and
    Q4: a blank there is an error of its own) gets no warning on top."""
    if frame.empty:
        return []
    masks = failures(frame, programme)
    header = {c.key: c.header for c in submission_columns(programme)}
    frame = frame.assign(_held=facts.blocks.held)
    out: list[Problem] = []

    def add(code: str, mask: pd.Series, key: str, value: Any = None, **params: Any) -> None:
        for row in rows(frame[list(dict.fromkeys([*META, key, "_held"]))], mask).to_dict("records"):
            at = where(part, row, key)
            if (at["file"], at["sheet"], at["cell"]) not in flagged:
                shown = row[key] if value is None else value(row)
                extra = {k: v(row) if callable(v) else v for k, v in params.items()}
                out.append(Problem(code, **at, field=header[key], value=shown, params=extra))

    districts = "、".join(programme.settings.districts)
    add("eligibility-q1", masks["Q1"] & frame.district.notna(), "district", districts=districts)
    add("eligibility-q2", masks["Q2"], "district_title_year",
        value=lambda r: r["district_title_year"] if r["district_title_year"] is not None else "空")  # fmt: skip
    add("eligibility-q4", masks["Q4"] & frame.recommendation.notna(), "recommendation")
    add("eligibility-q3", facts.blocks.for_title(applies_for_demonstration(frame, programme)), "city_title",
        held=lambda r: r["_held"])  # fmt: skip
    for idx, book, reg in facts.blocks.disagree:
        row = frame.loc[idx]
        out.append(Problem("register-disagrees", **where(part, row, "city_title"), field=header["city_title"],
                           value=row["city_title"], params={"district": row["district"], "community": row["community"],
                                                            "workbook": book, "register": reg}))  # fmt: skip
    return out
