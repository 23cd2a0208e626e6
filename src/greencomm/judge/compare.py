"""What a change moves (`greencomm diff`): two scored results of one year compared — a rubric
changed, or a district's corrected resubmission — giving who changed total, rank or status, by how
much, and which items caused it. Pure: two ScoreSheets in, a Comparison out.

Communities are matched by the community key (greencomm.read.names). Items and categories are
compared over the union of both sides; one that a side lacks counts as 0 points there (its rubric
gave nothing for it) and is shown as belonging to one side only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar

import pandas as pd

from greencomm.judge.ranking import pinyin_key
from greencomm.read.names import joined_keys
from greencomm.read.results_book import ScoreSheet, points

T = TypeVar("T")
ZERO = Decimal(0)


@dataclass(frozen=True)
class Moved(Generic[T]):
    """A value before and after; None on the side that does not have it."""

    old: T | None
    new: T | None

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass(frozen=True)
class Points(Moved[Decimal]):
    """Points before and after: an item a side lacks gave 0 there, so 0 → absent is no change."""

    @property
    def delta(self) -> Decimal:
        return (self.new or ZERO) - (self.old or ZERO)

    @property
    def changed(self) -> bool:
        return self.delta != 0


@dataclass(frozen=True)
class Place(Moved[int]):
    """A rank before and after; delta > 0 is a fall (rank 3 → 5 is +2)."""

    @property
    def delta(self) -> int:
        return (self.new or 0) - (self.old or 0)


@dataclass(frozen=True)
class Change:
    """One community present on both sides whose total, an item, a category, a rank or its status
    moved; `items` and `categories` hold only those that moved, in rubric order."""

    district: str
    community: str
    total: Points
    rank: Place
    district_rank: Place
    status: Moved[str]
    items: dict[str, Points] = field(default_factory=dict)
    categories: dict[str, Points] = field(default_factory=dict)

    @property
    def with_others(self) -> bool:
        """None of its own points moved: its rank or status moved because others' did."""
        return not self.items and not self.categories and not self.total.changed


@dataclass(frozen=True)
class Entry:
    """A community on one side only (新增 / 删除)."""

    district: str
    community: str
    total: Decimal
    rank: int
    status: str


@dataclass
class Comparison:
    changed: list[Change]
    added: list[Entry]
    removed: list[Entry]
    unchanged: int
    items: dict[str, str]  # every item of either side, id → name (the new side's name first)
    categories: dict[str, str]
    old_only: list[str] = field(default_factory=list)  # item and category ids OLD has and NEW lacks
    new_only: list[str] = field(default_factory=list)

    @property
    def is_same(self) -> bool:
        return not (self.changed or self.added or self.removed or self.old_only or self.new_only)


def _records(sheet: ScoreSheet) -> dict[str, dict[str, Any]]:
    """Rows by community key; a key met twice keeps its first row (the reader refuses such a sheet)."""
    frame = sheet.frame
    keys = joined_keys(frame.district, frame.community) if len(frame) else pd.Series([], dtype=object)
    rows: dict[str, dict[str, Any]] = {}
    for key, row in zip(keys.tolist(), frame.to_dict("records"), strict=True):
        rows.setdefault(key, {str(k): v for k, v in row.items()})
    return rows


def _union(new: dict[str, str], old: dict[str, str]) -> dict[str, str]:
    return {**new, **{k: v for k, v in old.items() if k not in new}}


def _points(row: dict[str, Any], key: str) -> Decimal | None:
    """The row's points for `key` as written, to the cent; None where the side has no such column."""
    return points(row.get(key))


def _moved(old: dict[str, Any], new: dict[str, Any], ids: dict[str, str]) -> dict[str, Points]:
    found = {i: Points(_points(old, i), _points(new, i)) for i in ids}
    return {i: p for i, p in found.items() if p.changed}


def _change(old: dict[str, Any], new: dict[str, Any], items: dict[str, str], categories: dict[str, str]) -> Change:
    return Change(
        district=str(new["district"]),
        community=str(new["community"]),
        total=Points(_points(old, "total"), _points(new, "total")),
        rank=Place(old.get("rank"), new.get("rank")),
        district_rank=Place(old.get("district_rank"), new.get("district_rank")),
        status=Moved(str(old.get("status") or ""), str(new.get("status") or "")),
        items=_moved(old, new, items),
        categories=_moved(old, new, categories),
    )


def _entry(row: dict[str, Any]) -> Entry:
    return Entry(str(row["district"]), str(row["community"]), _points(row, "total") or ZERO, int(row["rank"]),
                 str(row.get("status") or ""))  # fmt: skip


def _listed(entry: Entry) -> tuple[int, str, str]:
    return entry.rank, pinyin_key(entry.community), entry.district


def compare(old: ScoreSheet, new: ScoreSheet) -> Comparison:
    """Every community of both sides: changed (listed), unchanged (counted), added or removed."""
    items, categories = _union(new.items, old.items), _union(new.categories, old.categories)
    before, after = _records(old), _records(new)
    changed: list[Change] = []
    unchanged = 0
    for key, row in after.items():
        if key not in before:
            continue
        change = _change(before[key], row, items, categories)
        moved = change.items or change.categories or change.total.changed or change.status.changed
        if moved or change.rank.changed or change.district_rank.changed:
            changed.append(change)
        else:
            unchanged += 1
    # the largest moves first; then as the new ranking lists them, a tie in pinyin order (docs/rules.md#ordering)
    changed.sort(key=lambda c: (-abs(c.total.delta), c.rank.new or 0, pinyin_key(c.community), c.district))
    added = sorted((_entry(r) for k, r in after.items() if k not in before), key=_listed)
    removed = sorted((_entry(r) for k, r in before.items() if k not in after), key=_listed)
    old_ids = [*old.items, *old.categories]
    new_ids = [*new.items, *new.categories]
    return Comparison(
        changed, added, removed, unchanged, items, categories,
        old_only=[i for i in old_ids if i not in new_ids], new_only=[i for i in new_ids if i not in old_ids],
    )  # fmt: skip
