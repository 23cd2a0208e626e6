"""The JSON documents `--json` prints (docs/rules.md#command-line): one shape for score, rank and
shortlist, one for validate, one for the rubric. Plain dicts, built from the results; the command
line only prints them."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from greencomm import __version__
from greencomm.judge.lists import text_lists
from greencomm.problems import Problem, count
from greencomm.programme import Programme

if TYPE_CHECKING:  # the rubric's document needs no results: `greencomm rubric --json` starts at once
    import pyarrow as pa

    from greencomm.judge.results import Results


_ENCODE = json.JSONEncoder(ensure_ascii=False, default=str).encode  # without indent: the C encoder
_STRING = json.encoder.encode_basestring  # the C function the encoder calls for text (ensure_ascii=False)
_NUMBER = repr  # finite numbers: the encoder writes int.__repr__ and float.__repr__
SPAN = 1_000_000  # points from the least to the most, in cents, worded in one table up to this many
BLOCK = 8192  # communities encoded at a time (about 7 MB of text): the document is never whole in memory


def _fragments(values: Any, cache: dict[Any, str]) -> pa.Array:
    """Each value of an array as JSON text, each distinct value encoded once. Numbers and text
    (with None) are told apart by a hash table over the whole array; anything else — lists, a
    column mixing kinds, where 1, 1.0 and True must stay apart — value by value."""
    import numpy as np  # not at the top: the rubric's document needs neither
    import pandas as pd
    import pyarrow as pa

    kind = values.dtype.kind
    text = kind == "O" and pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")
    if text and (quoted := _quoted(pa.array(values, pa.string(), from_pandas=True))) is not None:
        return quoted
    if kind in "fiu" or text:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        encode = _STRING if kind == "O" else _NUMBER  # what the encoder does with each, without its overhead
        texts = list(map(encode, uniques.tolist()))  # C functions both: cheaper than looking them up
        codes = np.where(codes < 0, len(texts), codes)  # None takes the last: null
        return pa.array([*texts, "null"], pa.string()).take(pa.array(codes))
    listed = values.tolist()
    if kind == "O" and all(type(v) is list for v in listed):  # vetoes, eligibility, reasons: lists of text
        lists = text_lists(listed)
        if lists is not None:
            return _listed_texts(lists, cache)
    out = []
    for v in listed:
        key = (list, tuple(v)) if isinstance(v, list) else (v.__class__, v)
        text = cache.get(key)
        if text is None:
            text = _kept(cache, key, _ENCODE(v))
        out.append(text)
    return pa.array(out, pa.string())


def _listed_texts(lists: pa.ListArray, cache: dict[Any, str]) -> pa.Array:
    """Each list of text (none blank) as a JSON array, the texts quoted over the whole array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    flat = lists.flatten()
    items = _quoted(flat)
    if items is None:
        items = _fragments(flat.to_numpy(zero_copy_only=False), cache)
    offsets = lists.offsets  # a slice's start where its lists start in the whole: counted from its first
    if len(offsets) and offsets[0].as_py():
        offsets = pc.subtract(offsets, offsets[0])
    joined = pc.binary_join(pa.ListArray.from_arrays(offsets, items), ", ")
    return pc.binary_join_element_wise("[", joined, "]", "")


def _shared(values: pa.Array | None, cache: dict[Any, str]) -> pa.Array | None:
    """A block of a column the results hold in Arrow (Results.in_arrow) as JSON text; None when it
    is not there, or holds text to escape."""
    import pyarrow as pa

    if values is None:
        return None
    if isinstance(values, pa.ListArray):
        return _listed_texts(values, cache)
    return _quoted(values)


_ESCAPED = r'["\\\x00-\x1f]'  # what the encoder escapes in text (ensure_ascii=False): the rest goes as it is


def _quoted(values: pa.Array) -> pa.Array | None:
    """Text as the encoder writes it, by Arrow over the whole array, null as null — when nothing in
    it needs escaping (a quote, a backslash, a control character); else None. Per-row text (names)
    is mostly distinct: quoting it costs less than telling its values apart."""
    import pyarrow.compute as pc

    if pc.any(pc.match_substring_regex(values, _ESCAPED)).as_py():
        return None
    return pc.fill_null(pc.binary_join_element_wise('"', values, '"', ""), "null")


def worded_cents(cents: Any) -> tuple[int, pa.Array | None]:
    """Each number of cents from the least to the most in `cents`, worded once as the encoder writes
    cents ÷ 100 (a float): the text of c is at c - least. None when they span more than SPAN."""
    import pyarrow as pa

    low = int(cents.min()) if cents.size else 0
    span = int(cents.max()) - low + 1 if cents.size else 0
    return low, pa.array([_NUMBER(c / 100) for c in range(low, low + span)], pa.string()) if span <= SPAN else None


CACHE_MAX = 10_000  # texts kept per column across blocks, for a column encoded value by value (mixed kinds)


def _kept(cache: dict[Any, str], key: Any, text: str) -> str:
    """`text`, kept for the next block while the column's cache is small (memory stays flat at
    100,000 communities whose values differ row by row)."""
    if len(cache) < CACHE_MAX:
        cache[key] = text
    return text


def _objects(keys: Sequence[str], values: Sequence[Any]) -> Any:
    """Row by row, a JSON object of `keys` holding the texts `values` (one array of JSON text per
    key): joined by Arrow, its keys already encoded, as the encoder spells an object."""
    import pyarrow.compute as pc

    parts: list[Any] = []
    for n, (key, value) in enumerate(zip(keys, values, strict=True)):
        parts += [("{" if n == 0 else ", ") + _ENCODE(key) + ": ", value]
    return pc.binary_join_element_wise(*parts, "}", "")


RECORD_FIELDS = (
    "district", "street", "community", "target", "total", "categories", "items", "review_source",
    "review_subtotal", "vetoes", "eligibility", "status", "reasons", "rank", "district_rank",
    "self_eval_flag", "source",
)  # fmt: skip
_FROM_TABLE = ("district", "street", "community", "target", "review_source", "vetoes", "eligibility", "status",
               "reasons")  # fmt: skip


def record_blocks(results: Results) -> Iterator[str]:
    """The communities in rank order as JSON objects, one a line (`,\n` between them), a block of
    BLOCK communities at a time (see `_record_buffers`)."""
    return (bytes(block).decode("utf-8") for block in _record_buffers(results))


def _record_buffers(results: Results) -> Iterator[memoryview]:
    """`record_blocks` as UTF-8, each block where Arrow made it (no copy, no decoding). Scores go
    out as JSON numbers with at most 2 decimals (cents ÷ 100). Each column's texts are made once per
    distinct value and the objects joined by Arrow: Python touches the values, not the rows."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    ordered = results.ordered()
    scores = results.scores
    at = scores.aligned(ordered.index).at
    files = results.frame["_file"].to_numpy()[at]
    rows = results.frame["_row"].to_numpy()[at]
    items, cats = list(scores.cents.columns), list(scores.category_cents.columns)
    # every kind of points, a column each: items, categories, total, review subtotal (int64 cents)
    cents = np.column_stack(
        [
            scores.cents.to_numpy(np.int64),
            scores.category_cents.to_numpy(np.int64),
            scores.total_cents.to_numpy(np.int64),
            scores.review_cents.to_numpy(np.int64),
        ]
    )
    caches: dict[str, dict[Any, str]] = {}
    low, worded = worded_cents(cents)

    def column(name: str, values: Any) -> Any:
        return _fragments(values, caches.setdefault(name, {}))

    def integers(values: Any) -> Any:
        return pc.cast(pa.array(values, pa.int64()), pa.string())

    shared = {name: results.in_arrow(name) for name in _FROM_TABLE}  # converted once, for the workbook too
    for start in range(0, len(ordered), BLOCK):
        part = ordered.iloc[start : start + BLOCK]
        cut = slice(start, start + BLOCK)
        table = {}
        for name, values in shared.items():
            text = _shared(None if values is None else values.slice(start, len(part)), caches.setdefault(name, {}))
            table[name] = column(name, part[name].to_numpy()) if text is None else text
        table["rank"] = integers(part["rank"].to_numpy())
        table["district_rank"] = integers(part["district_rank"].to_numpy())
        flags = pa.array(part["self_eval_flag"].to_numpy(dtype=bool))
        table["self_eval_flag"] = pc.if_else(flags, "true", "false")
        block = cents[at[cut]].T.ravel()  # the block's points, a kind after another
        texts = worded.take(pa.array(block - low)) if worded is not None else column("points", block / 100)
        each = [texts.slice(n * len(part), len(part)) for n in range(cents.shape[1])]
        table["items"] = _objects(items, each[: len(items)])
        table["categories"] = _objects(cats, each[len(items) : len(items) + len(cats)])
        table["total"], table["review_subtotal"] = each[-2:]
        table["source"] = _objects(["file", "row"], [column("file", files[cut]), integers(rows[cut])])
        objects = _objects(RECORD_FIELDS, [table[f] for f in RECORD_FIELDS])
        whole = pa.ListArray.from_arrays(pa.array([0, len(objects)], pa.int32()), objects)
        yield memoryview(pc.binary_join(whole, ",\n")[0].as_buffer())


def records(results: Results) -> list[dict[str, Any]]:
    """One dict per community, in rank order (the objects `record_blocks` writes)."""
    return [record for block in record_blocks(results) for record in json.loads(f"[{block}]")]


def _head(results: Results) -> dict[str, Any]:
    from greencomm.judge.shortlist import status_order

    statuses = results.table.status.value_counts()
    order = status_order(results.programme)
    head: dict[str, Any] = {
        "year": results.programme.year,
        "reviewed": results.reviewed,
        "version": __version__,
        "counts": {s: int(statuses.get(s, 0)) for s in sorted(statuses.index, key=order.__getitem__)},
    }
    if results.programme.settings.payers and results.programme.two_tier:  # no money, no money key
        head["money"] = results.money()
    return head


def _listed(items: Iterator[str]) -> Iterator[str]:
    """A JSON array's items, one a line, in chunks of text of BLOCK items."""
    block: list[str] = []
    first = True
    for text in items:
        block.append(text)
        if len(block) == BLOCK:
            yield ("\n" if first else ",\n") + ",\n".join(block)
            block, first = [], False
    if block:
        yield ("\n" if first else ",\n") + ",\n".join(block)


def results_json_bytes(results: Results, lang: str = "zh") -> Iterator[bytes | memoryview]:
    """score, rank and shortlist `--json`, as UTF-8 in pieces to write one after another: year,
    stage, counts per status, money (when the programme pays any), communities (one a line),
    problems (one a line). Never whole in memory; the communities' blocks go out as Arrow made
    them (100,000 communities are 100 MB: decoded to text and encoded again they cost a tenth of
    a second more, for nothing)."""
    head = _ENCODE(_head(results))
    yield (head[:-1] + ', "communities": [').encode()
    for n, block in enumerate(_record_buffers(results)):
        yield b"\n" if n == 0 else b",\n"
        yield block
    yield b'\n], "problems": ['
    yield from (text.encode() for text in _listed(_ENCODE(p.to_dict(lang)) for p in results.problems))
    yield b"\n]}\n"


def results_json_text(results: Results, lang: str = "zh") -> Iterator[str]:
    """`results_json_bytes` as text."""
    return (bytes(piece).decode("utf-8") for piece in results_json_bytes(results, lang))


def results_json(results: Results, lang: str = "zh") -> dict[str, Any]:
    """The same document as a dict, for Python callers."""
    document: dict[str, Any] = json.loads("".join(results_json_text(results, lang)))
    return document


def validation_json(
    year: int, files: Sequence[Path], written: dict[Path, Path], communities: int, problems: Sequence[Problem],
    lang: str = "zh",
) -> dict[str, Any]:  # fmt: skip
    """validate: every input file with its annotated copy (or null), and every problem."""
    errors, warnings = count(problems)
    return {
        "year": year,
        "files": [{"file": str(f), "annotated": str(written[f]) if f in written else None} for f in files],
        "communities": communities,
        "errors": errors,
        "warnings": warnings,
        "problems": [p.to_dict(lang) for p in problems],
    }


def rubric_json(programme: Programme) -> dict[str, Any]:
    """The rubric's items, for scripts."""
    return {
        "title": programme.rubric_title,
        "items": [
            {
                "id": i.id,
                "name": i.name,
                "max": float(i.max),
                "kind": i.kind,
                "column": i.column,
                "rule": i.rule_text(),
            }
            for i in programme.rubric.items
        ],
    }
