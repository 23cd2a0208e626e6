"""Titles as they stand now (docs/rules.md#register): the register's rows never change; a title's
status changes are dated entries of its 状态变更记录 sheet, and a title's current state is its
latest entry's (by 日期, then row order) — 整改 → 整改 (still held, under rectification), 撤销 →
撤销, 恢复 → 有效 — or, with no entry, its row's 状态 (a clerk may have typed 撤销 there by hand).

Written once here and used by Q3 (check.eligibility), the summary's trend, `register update` and
`recheck`. It lives in the check stage, not the judge stage, because Q3 needs it and a stage imports
only earlier ones; greencomm.judge.titles gives it to the later stages under its own name.

The entries must make sense in order, title by title: an entry names a title of the register (year,
district, community and 称号); 恢复 only a title under 整改 or 撤销; nothing after 撤销 but 恢复; no
entry dated before the year its title was named; no entry twice. Decisions appended to the register
may not be dated before an entry it already holds for that title: history is only appended to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from greencomm.check.cells import where
from greencomm.problems import Problem
from greencomm.programme.layouts import RECTIFY, RECTIFYING, RESTORE, REVOKE, REVOKED, VALID
from greencomm.read.inputs import Part

STATE_AFTER = {RECTIFY: RECTIFYING, REVOKE: REVOKED, RESTORE: VALID}
HOLDING = (VALID, RECTIFYING)  # states in which the community holds the title (it blocks, Q3)
TitleKey = tuple[int, str, str]  # (year named, community key, 称号)
Entry = dict[Hashable, Any]  # one row, as to_dict("records") gives it


def title_key(row: Any) -> TitleKey | None:
    """(year, community key, 称号) of a register row or an entry; None when a part is blank."""
    year, key, title = row["year"], row["_key"], row["title"]
    if year is None or key is None or title is None or pd.isna(year):
        return None
    return int(year), str(key), str(title)


def ordered(changes: pd.DataFrame | None) -> pd.DataFrame:
    """Entries whose date, title and change were read, by 日期 then row order (a stable sort)."""
    if changes is None or changes.empty:
        return pd.DataFrame(columns=["date", "year", "_key", "title", "change"])
    known = changes[changes.date.notna() & changes.change.notna()]
    return known.sort_values("date", kind="stable")


def current_titles(register: pd.DataFrame, changes: pd.DataFrame | None) -> pd.DataFrame:
    """One row per title of the register, its columns as read with `state` its current state (有效,
    整改 or 撤销) and `since`, `reason`, `doc` those of the latest entry (None without one)."""
    latest: dict[TitleKey, Entry] = {}
    for entry in ordered(changes).to_dict("records"):
        key = title_key(entry)
        if key is not None:
            latest[key] = entry
    out = register.copy()
    found = [latest.get(k) if k is not None else None for k in (title_key(r) for r in out.to_dict("records"))]
    out["state"] = [STATE_AFTER[e["change"]] if e else s for e, s in zip(found, out["state"].tolist(), strict=True)]
    out["since"] = [e["date"] if e else None for e in found]
    out["reason"] = [e.get("reason") if e else None for e in found]
    out["doc"] = [e.get("doc") if e else None for e in found]
    return out


def holding(current: pd.DataFrame) -> pd.DataFrame:
    """The titles still held (有效 or 整改) of current_titles."""
    return current[current.state.isin(HOLDING)]


@dataclass
class _Standing:
    state: str | None
    latest: dt.date | None = None  # the date of its latest entry already recorded


def _standing(register: Part) -> dict[TitleKey, _Standing]:
    """Every title of the register with its current state and the date of its latest entry."""
    current = current_titles(register.frame, register.changes)
    out = {}
    for row in current.to_dict("records"):
        key = title_key(row)
        if key is not None:
            out[key] = _Standing(row["state"], row["since"])
    return out


def _names(entry: Entry) -> dict[str, Any]:
    return {k: entry[k] for k in ("year", "district", "community", "title")}


def change_problems(register: Part, decisions: Part | None = None) -> list[Problem]:
    """The register's own 状态变更记录 checked in order (no `decisions`); or `decisions`, entries to
    append to it, checked against the register as it stands. Each problem names the entry's cell."""
    if decisions is None:
        standing = {k: _Standing(s.state) for k, s in _standing(_without_changes(register)).items()}
        part, entries, recorded = register, register.changes, {}
    else:
        standing = _standing(register)
        part, entries, recorded = decisions, decisions.frame, _recorded(register)
    out: list[Problem] = []
    for entry in ordered(entries).to_dict("records"):
        key = title_key(entry)
        if key is None:
            continue  # a blank cell: the reader reported it
        date, change = entry["date"], entry["change"]
        found = standing.get(key)
        same = (date, *key, change)
        problem = _problem(entry, found, recorded.get(same), key[0])
        if problem is not None:
            code, field, params = problem
            out.append(Problem(code, **where(part, entry, field), field=_HEADERS[field], value=entry[field],
                               params={**_names(entry), **params}))  # fmt: skip
            continue
        assert found is not None
        found.state = STATE_AFTER[change]
        recorded[same] = _at(part, entry)
    return out


Why = tuple[str, str, dict[str, Any]]  # problem code, the column it is at, its params


def _problem(entry: Entry, found: _Standing | None, first: str | None, year: int) -> Why | None:
    """Why an entry makes no sense where it stands: (code, column, params); None when it does."""
    date, change = entry["date"], entry["change"]
    if found is None:
        return "change-unknown-title", "community", {}
    if first is not None:
        return "change-already-recorded", "change", {"other": first}
    if date.year < year:
        return "change-before-award", "date", {}
    if found.latest is not None and date < found.latest:
        return "change-out-of-order", "date", {"latest": found.latest.isoformat()}
    if change == RESTORE and found.state not in (RECTIFYING, REVOKED):
        return "change-restore-not-suspended", "change", {"state": found.state or "空"}
    if change != RESTORE and found.state == REVOKED:
        return "change-after-revoke", "change", {}
    return None


_HEADERS = {"community": "社区名称", "change": "变更", "date": "日期"}


def _at(part: Part, entry: Entry) -> str:
    at = where(part, entry, "change")
    return f"{at['file']} {at['sheet']}!{at['cell']}"


def _recorded(register: Part) -> dict[tuple[Any, ...], str]:
    """The register's own entries by what they say, with their cell: a decision already there is a repeat."""
    out: dict[tuple[Any, ...], str] = {}
    for entry in ordered(register.changes).to_dict("records"):
        key = title_key(entry)
        if key is not None:
            out.setdefault((entry["date"], *key, entry["change"]), _at(register, entry))
    return out


def _without_changes(register: Part) -> Part:
    return Part(register.frame, places=register.places)
