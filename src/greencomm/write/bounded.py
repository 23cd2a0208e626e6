"""Bounds on one render of a clerk's template (docs/rules.md#untrusted-input). A template is a program
that runs on the office's machine: in time (RENDER_SECONDS), in the size of its output and of every
value it makes (MAX_TEXT, MAX_DIGITS), in depth (Python's recursion limit) and, on Linux, in memory
(MEMORY_HEADROOM_MB). Going past a limit stops the render with an error the caller names (see
greencomm.write.jinja) — never a hang, an exhausted machine or an internal error.
"""

from __future__ import annotations

import functools
import inspect
import re
import string
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import Context
from jinja2.sandbox import MAX_RANGE, SandboxedEnvironment, safe_range
from jinja2.utils import generate_lorem_ipsum

from greencomm.write.watchdog import OutOfTime, alarm, memory_cap

# ---------------------------------------------------------------- limits of one render
RENDER_SECONDS = 20.0
"""Wall time of one render, compiling included. Ours take well under a second even for a 公示 of
2,000 communities; a template still running after 20 s is looping, not working."""
MAX_TEXT = 20_000_000
"""Characters of one render's output, and characters (or items) of any one value a template makes.
A row of the 公示 is about 1,050 characters of Word XML, so this holds some 19,000 communities — a
city names a few hundred a year — while rendering one stays within a few hundred MB of memory."""
MAX_DIGITS = 100
"""Digits of a number a template computes: money and counts have a dozen; `10 ** 1000000` would
keep the processor busy inside one Python operation, where no time limit can interrupt it."""
LIPSUM_PARAGRAPHS, LIPSUM_WORDS = 100, 1000
"""lipsum() is placeholder text: a few paragraphs of a hundred words, not ten million."""
MEMORY_HEADROOM_MB = 1024
"""Address space one render may add (Linux, main thread: RLIMIT_AS, restored afterwards). A 公示 of
2,000 communities adds some 30 MB, one of 19,000 (MAX_TEXT of Word XML) some 300 MB; the cap
catches what the size checks cannot see coming, such as printing a list that holds one long text a
hundred thousand times."""
_NUMBER_LIMIT = 10**MAX_DIGITS
_NUMBER_BITS = _NUMBER_LIMIT.bit_length()


class _LimitExceeded(Exception):
    """A template went past one of the limits; `zh` and `en` say which."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def _too_long() -> _LimitExceeded:
    return _LimitExceeded(
        f"一个值超过 {MAX_TEXT:,} 个字符或项", f"a value of more than {MAX_TEXT:,} characters or items"
    )


def _too_big() -> _LimitExceeded:
    return _LimitExceeded(f"数字超过 {MAX_DIGITS} 位", f"a number of more than {MAX_DIGITS} digits")


def limit_of(exc: BaseException) -> tuple[str, str] | None:
    """What limit a failure of a render stands for, in Chinese and English; None for a mistake."""
    if isinstance(exc, _LimitExceeded):
        return exc.zh, exc.en
    if isinstance(exc, OutOfTime):
        return f"运行超过 {RENDER_SECONDS:g} 秒", f"ran longer than {RENDER_SECONDS:g} s"
    if isinstance(exc, RecursionError):
        return (
            "嵌套过深：模板包含了自身，或宏调用了自身",
            "nested too deeply: a template includes itself or a macro calls itself",
        )
    if isinstance(exc, MemoryError):
        return "内存不足", "out of memory"
    if isinstance(exc, OverflowError):
        return "数字超出范围", "a number out of range"
    return None


# ---------------------------------------------------------------- sizes, checked before and after
_SIZED = (str, bytes, list, tuple, dict, set, frozenset)


def _checked(value: Any) -> Any:
    """Every value a template makes is checked as it is made, so each operation starts from values
    within the limits and can only multiply them by what the checks before it allow."""
    if isinstance(value, _SIZED) and len(value) > MAX_TEXT:
        raise _too_long()
    if isinstance(value, int) and not -_NUMBER_LIMIT < value < _NUMBER_LIMIT:
        raise _too_big()
    return value


def _count(value: Any) -> None:
    """A count or width a call will build that many characters or items from."""
    if isinstance(value, int) and value > MAX_TEXT:
        raise _too_long()


def _wide(digits: str) -> bool:
    return len(digits) > len(str(MAX_TEXT)) or int(digits) > MAX_TEXT


def _check_repetition(left: Any, right: Any) -> None:
    """`'x' * 10**9` and `[0] * 10**9` are refused before Python builds them."""
    for seq, times in ((left, right), (right, left)):
        if isinstance(seq, str | bytes | list | tuple) and isinstance(times, int):
            _count(len(seq) * times)


def _check_power(base: Any, exponent: Any) -> None:
    """`10 ** 1000000` is refused before Python computes it (at least (bits − 1) × exponent bits)."""
    powers = isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1
    if powers and (abs(base).bit_length() - 1) * exponent > _NUMBER_BITS:
        raise _too_big()


_PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_printf(text: Any, values: Any) -> None:
    """`'%1000000000d' % 1`: widths in a %-format (and a `*` width from the values)."""
    if not isinstance(text, str):
        return
    for match in _PRINTF.finditer(text):
        for width in match.groups():
            if width == "*":
                for value in values if isinstance(values, tuple) else (values,):
                    _count(value)
            elif width and _wide(width):
                raise _too_long()


def _check_format(text: str, args: Sequence[Any], kwargs: dict[str, Any]) -> None:
    """`'{:>1000000000}'.format(x)`: widths in a str.format spec (and nested `{}` widths)."""
    try:
        specs = [spec for _, _, spec, _ in string.Formatter().parse(text) if spec]
    except ValueError:  # a malformed format string fails the same way when called
        return
    for spec in specs:
        if any(_wide(digits) for digits in re.findall(r"\d+", spec)):
            raise _too_long()
        if "{" in spec:
            for value in [*args, *kwargs.values()]:
                _count(value)


def _replaced_length(text: str | bytes, old: Any, new: Any, count: Any = -1) -> int:
    """Upper bound of str.replace's result: `s.replace('', t)` puts t between every character."""
    if not isinstance(old, str | bytes) or not isinstance(new, str | bytes):
        return 0
    places = len(text) // max(len(old), 1) + 1
    if isinstance(count, int) and count >= 0:
        places = min(places, count)
    return len(text) + places * len(new)


def _joined_length(separator: Any, items: Any) -> int:
    """Length of `separator.join(items)` when items is a list of texts (else unknown: 0)."""
    if not isinstance(items, list | tuple) or not isinstance(separator, str | bytes):
        return 0
    total = len(separator) * len(items)
    for item in items:
        total += len(item) if isinstance(item, str | bytes) else 0
        if total > MAX_TEXT:
            break
    return total


_PADDING = frozenset({"center", "ljust", "rjust", "zfill"})


def _check_method(name: str, text: str | bytes, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """The str methods that build more than they are given: padding, tabs, replace, join."""
    if name in _PADDING and args:
        _count(args[0])
    elif name == "expandtabs":
        size = args[0] if args else kwargs.get("tabsize", 8)
        tabs = text.count("\t") if isinstance(text, str) else text.count(b"\t")
        if isinstance(size, int):
            _count(len(text) + tabs * size)
    elif name == "replace" and len(args) >= 2:
        _count(_replaced_length(text, *args[:3]))
    elif name == "join" and args:
        _count(_joined_length(text, args[0]))


def _check_lipsum(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    given = inspect.signature(generate_lorem_ipsum).bind(*args, **kwargs).arguments
    paragraphs, words = given.get("n", 5), (given.get("min", 20), given.get("max", 100))
    if _over(paragraphs, LIPSUM_PARAGRAPHS) or any(_over(w, LIPSUM_WORDS) for w in words):
        raise _LimitExceeded(
            f"lipsum 最多 {LIPSUM_PARAGRAPHS} 段、每段最多 {LIPSUM_WORDS} 词",
            f"lipsum makes at most {LIPSUM_PARAGRAPHS} paragraphs of {LIPSUM_WORDS} words",
        )


def _over(value: Any, most: int) -> bool:
    return isinstance(value, int) and value > most


def _check_call(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Calls whose arguments say how much they will build are checked before they build it."""
    if obj is generate_lorem_ipsum:
        _check_lipsum(args, kwargs)
        return
    wrapped = getattr(obj, "__wrapped__", None)  # the sandbox's str.format wrapper
    text = getattr(wrapped, "__self__", None)
    if isinstance(text, str) and getattr(wrapped, "__name__", "") in ("format", "format_map"):
        _check_format(text, args, kwargs)
    receiver = getattr(obj, "__self__", None)
    if isinstance(receiver, str | bytes) and isinstance(getattr(obj, "__name__", None), str):
        _check_method(obj.__name__, receiver, args, kwargs)


# The filters that build more than they are given, keyed by the names of their parameters.
def _filter_center(a: dict[str, Any]) -> None:
    _count(a.get("width"))


def _filter_indent(a: dict[str, Any]) -> None:
    text, width = str(a["s"]), a.get("width", 4)
    if isinstance(width, int | str):
        _count(len(text) + (text.count("\n") + 1) * (len(width) if isinstance(width, str) else width))


def _filter_wordwrap(a: dict[str, Any]) -> None:
    text, width, wrap = str(a["s"]), a.get("width", 79), a.get("wrapstring") or "\n"
    if isinstance(width, int):
        _count(len(text) + (len(text) // max(width, 1) + 1) * len(str(wrap)))


def _filter_batch(a: dict[str, Any]) -> None:
    _count(a.get("linecount"))


def _filter_slice(a: dict[str, Any]) -> None:
    _count(a.get("slices"))


def _filter_join(a: dict[str, Any]) -> None:
    _count(_joined_length(a.get("d", ""), a.get("value")))


def _filter_replace(a: dict[str, Any]) -> None:
    _count(_replaced_length(str(a["s"]), a.get("old"), a.get("new"), a.get("count") or -1))


def _filter_format(a: dict[str, Any]) -> None:
    _check_printf(a.get("value"), tuple(a.get("args", ())) or a.get("kwargs"))


_FILTER_CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "center": _filter_center,
    "indent": _filter_indent,
    "wordwrap": _filter_wordwrap,
    "batch": _filter_batch,
    "slice": _filter_slice,
    "join": _filter_join,
    "replace": _filter_replace,
    "format": _filter_format,
}


# ---------------------------------------------------------------- the bounded sandbox
class _BoundedCodeGenerator(CodeGenerator):
    """Jinja joins `a ~ b` without asking the environment; this routes the result through it."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.made(")
        super().visit_Concat(node, frame)
        self.write(")")


class BoundedEnvironment(SandboxedEnvironment):
    """Jinja's sandbox, bounded: every operator that can build a large value (`*`, `**`, `+`, `-`,
    `%`), every call, filter, `~` and the output are checked against the limits, and each of them
    looks at the clock (so a render off the main thread, without SIGALRM, still stops in time as
    long as its loops do anything)."""

    intercepted_binops = frozenset({"*", "**", "+", "-", "%"})
    code_generator_class = _BoundedCodeGenerator

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline: float | None = None

    def tick(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise OutOfTime

    def made(self, value: Any) -> Any:
        self.tick()
        return _checked(value)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        self.tick()
        if operator == "*":
            _check_repetition(left, right)
        elif operator == "**":
            _check_power(left, right)
        elif operator == "%":
            _check_printf(left, right)
        return _checked(super().call_binop(context, operator, left, right))

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        self.tick()
        _check_call(obj, args, kwargs)
        try:
            result = super().call(context, obj, *args, **kwargs)
        except OverflowError as exc:
            if obj is safe_range:
                raise _LimitExceeded(f"range 最多 {MAX_RANGE} 项", f"a range of more than {MAX_RANGE} items") from exc
            raise
        _checked(getattr(obj, "__self__", None))  # list.append, dict.update: the list has grown
        return _checked(result)

    def getattr(self, obj: Any, attribute: str) -> Any:
        self.tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        self.tick()
        return super().getitem(obj, argument)

    def concat(self, pieces: Iterable[str]) -> str:
        """The output of a render, a macro, a block or `{% set %}…{% endset %}`, counted as it is
        made, with the clock looked at for every piece."""
        parts, total = [], 0
        iterator = iter(pieces)
        try:
            for piece in iterator:
                self.tick()
                total += len(piece)
                if total > MAX_TEXT:
                    raise _LimitExceeded(
                        f"输出超过 {MAX_TEXT:,} 个字符", f"output of more than {MAX_TEXT:,} characters"
                    )
                parts.append(piece)
        except (_LimitExceeded, OutOfTime) as error:
            _raise_in(iterator, error)
        return "".join(parts)

    def bound_filters(self) -> None:
        """Wrap every filter registered so far (once): the clock, the checks of _FILTER_CHECKS and
        the size of what it returns."""
        for name, func in list(self.filters.items()):
            if not getattr(func, "greencomm_bounded", False):
                self.filters[name] = _bounded_filter(self, func, _FILTER_CHECKS.get(name))


def _raise_in(iterator: Iterator[str], error: BaseException) -> NoReturn:
    """Raise a limit inside the template where it stands (the generator of its output), so that the
    traceback, and so the message, names the line that wrote too much or ran too long."""
    throw = getattr(iterator, "throw", None)
    if throw is not None:
        throw(error)  # a generator already stopped by the error raises it again as it is
    raise error


def _arguments(func: Callable[..., Any]) -> Callable[[tuple[Any, ...], dict[str, Any]], dict[str, Any] | None]:
    """A filter's arguments by parameter name, without what Jinja passes before the value (the
    context, eval context or environment the filter asked for)."""
    signature = inspect.signature(func)  # the filter's own function, through Jinja's async wrapper
    parameters = list(signature.parameters.values())
    if hasattr(inspect.unwrap(func), "jinja_pass_arg"):
        parameters = parameters[1:]
    named = signature.replace(parameters=parameters)
    passed = 1 if hasattr(func, "jinja_pass_arg") else 0

    def bind(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return dict(named.bind(*args[passed:], **kwargs).arguments)
        except TypeError:  # wrong arguments: the filter itself says so
            return None

    return bind


def _bounded_filter(
    env: BoundedEnvironment, func: Callable[..., Any], check: Callable[[dict[str, Any]], None] | None
) -> Callable[..., Any]:
    bind = _arguments(func) if check else None

    @functools.wraps(func)  # keeps jinja_pass_arg, so Jinja still passes what the filter asks for
    def bounded(*args: Any, **kwargs: Any) -> Any:
        env.tick()
        given = bind(args, kwargs) if bind is not None else None
        if check is not None and given is not None:
            check(given)
        return _checked(func(*args, **kwargs))

    bounded.greencomm_bounded = True  # type: ignore[attr-defined]
    return bounded


@contextmanager
def render_bounds(env: BoundedEnvironment) -> Iterator[None]:
    """One render within the limits: the clock in the hooks, SIGALRM, the memory cap."""
    env.deadline = time.monotonic() + RENDER_SECONDS
    try:
        with alarm(RENDER_SECONDS), memory_cap(MEMORY_HEADROOM_MB):
            yield
    finally:
        env.deadline = None
