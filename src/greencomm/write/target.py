"""The multi-year target in the year's summary (docs/rules.md#register): titles named from the
settings' `[target] from` to `to`, counted from the register as they stand now (a revoked title is
not counted, one under 整改 still is), this year's from the results while the register does not
hold them yet — per year and per district, against `[target] titles`."""

from __future__ import annotations

from collections import Counter

from greencomm.judge.results import Results
from greencomm.judge.titles import current_titles, holding
from greencomm.programme.settings import Target
from greencomm.read.names import name_key
from greencomm.write.summary_figures import titled_statuses


def _counts(results: Results, target: Target) -> tuple[Counter[int], Counter[str], bool]:
    """Titles per year and per district within the target's years up to the programme year, and
    whether this year's are the results' (not yet in the register)."""
    programme = results.programme
    last = min(target.last, programme.year)
    per_year: Counter[int] = Counter()
    per_district: Counter[str] = Counter()
    register = results.inputs.register
    if register is not None and len(register.frame):
        held = holding(current_titles(register.frame, register.changes))
        for year, district in zip(held.year, held.district, strict=True):
            if year is not None and target.first <= int(year) <= last:
                per_year[int(year)] += 1
                per_district[str(district)] += 1
    proposed = target.first <= programme.year <= target.last and programme.year not in per_year
    if proposed:
        table = results.table
        titled = table[table.status.isin(titled_statuses(results))]
        per_year[programme.year] = len(titled)
        per_district.update(str(d) for d in titled.district)
    return per_year, per_district, proposed


def target_text(results: Results, final: bool) -> str:
    """One paragraph: the target, titles so far by year and by district, how much of it is done.
    Empty without a target, or before its first year."""
    programme = results.programme
    target = programme.settings.target
    if target is None or programme.year < target.first:
        return ""
    per_year, per_district, proposed = _counts(results, target)
    done = sum(per_year.values())
    span = f"{target.first}年至{target.last}年"
    said = f"创建目标：{span}命名{programme.title}{target.titles}个（不含已撤销称号）。"
    if not done:
        return said + "目标期内尚无命名。"
    years = "、".join(
        f"{y}年{'拟命名' if proposed and y == programme.year and not final else ''}{per_year[y]}个"
        for y in sorted(per_year)
    )
    order = {name_key(d): n for n, d in enumerate(programme.settings.districts)}

    def place(district: str) -> tuple[int, str]:  # the programme's district order, others after
        return order.get(name_key(district), len(order)), district

    districts = "、".join(f"{d}{per_district[d]}个" for d in sorted(per_district, key=place))
    rate = done * 100 / target.titles
    until = f"截至{min(programme.year, target.last)}年"
    said += f"{until}累计命名{done}个（{years}；{districts}），完成目标的{rate:.1f}%"
    if done >= target.titles:
        return said + "，已完成目标。"
    if programme.year >= target.last:
        return said + f"，目标期已满，尚差{target.titles - done}个。"
    return said + f"，尚差{target.titles - done}个。"
