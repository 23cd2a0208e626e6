"""How a header names a column, whatever way a district typed it (docs/rules.md#values): NFKC, no
white space or line breaks, any case, one kind of bracket, a trailing bracketed part optional."""

from __future__ import annotations

import re
import unicodedata

_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")"})
_TRAILING_BRACKET = re.compile(r"\([^()]*\)$")
_SPACE = re.compile(r"\s+")


def header_key(header: object) -> str:
    """NFKC, no white space or line breaks, lower case, one kind of bracket."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(header)).translate(_BRACKETS)).lower()


def header_base(header: object) -> str:
    """The header key without a trailing bracketed part: `户数(户)` → `户数`."""
    key = header_key(header)
    stripped = _TRAILING_BRACKET.sub("", key)
    return stripped or key
