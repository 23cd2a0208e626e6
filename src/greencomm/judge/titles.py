"""Titles as they stand now, for the judge and write stages (docs/rules.md#register): one row per
title of the register with its current state (有效, 整改 or 撤销) after its 状态变更记录. The rule is
written once, in greencomm.check.titles, where Q3 can reach it; this is its name for later stages."""

from __future__ import annotations

from greencomm.check.titles import HOLDING as HOLDING
from greencomm.check.titles import current_titles as current_titles
from greencomm.check.titles import holding as holding

__all__ = ["HOLDING", "current_titles", "holding"]
