"""Which titles go into the register (docs/rules.md#register): the year's final titles only —
after review, with no error left in the inputs, every 待审定 tie decided — and never a year twice."""

from __future__ import annotations

import pandas as pd

from greencomm.errors import RegisterError
from greencomm.judge.results import Results
from greencomm.judge.shortlist import DEMONSTRATION, PENDING
from greencomm.programme.layouts import VALID


def final_titles(results: Results, what: str = "写入名录") -> pd.DataFrame:
    """年度, 所属区, 社区名称, 称号, 状态 of the year's confirmed titles in rank order; `what` is to
    be done with them (写入名录, 发布命名决定), for the refusals."""
    if not results.reviewed:
        raise RegisterError(
            f"现场评审前的名单不是最终结果，请加上 --reviews 后再{what} / titles are final only after review"
        )
    if results.has_errors:
        raise RegisterError("输入数据仍有错误，请先改正（greencomm validate）/ the inputs still have errors")
    ordered = results.ordered()
    pending = ordered[ordered.status == PENDING]
    if len(pending):
        names = "、".join(f"{d}{c}" for d, c in zip(pending.district, pending.community, strict=True))
        raise RegisterError(
            f"仍有待审定的社区（{names}），请领导小组审定、调整设置后再{what} / 待审定 ties must be decided first"
        )
    programme = results.programme
    titled = ordered[ordered.status.isin([DEMONSTRATION, programme.title])]
    return pd.DataFrame(
        {
            "year": programme.year,
            "district": titled.district,
            "community": titled.community,
            "title": titled.status.map(
                {DEMONSTRATION: programme.demonstration_title, programme.title: programme.title}
            ),
            "state": VALID,
        }
    )


def not_yet_registered(register: pd.DataFrame, year: int, name: str) -> None:
    """A year is added once: refuses when the register already holds it."""
    if (register.year == year).any():
        raise RegisterError(f"{name}: 名录中已有 {year} 年的称号，不能重复写入 / {year} is already in the register")
