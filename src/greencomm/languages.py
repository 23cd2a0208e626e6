"""One language at a time on the terminal (docs/rules.md#command-line): Chinese by default, English
with `--lang en` or GREENCOMM_LANG=en. greencomm's own texts are written bilingual in the source,
"中文 / English" (help paragraphs also "中文 — English"); `pick` shows the side asked for. The command
line library's own words (Usage, Options, "No such command …") are translated here too, so that a
clerk who reads no English never meets any.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_PREFIX = re.compile(r"^([^：\n]{1,200}?): ")  # a file named before the message: "名单.xlsx: …"
_SENTENCE = re.compile(r"[，。；！？、]")  # a prefix that holds these is part of the message, not a name


def _mostly_latin(text: str) -> bool:
    stripped = text.strip()
    if not stripped or not (stripped[0].isascii() and (stripped[0].isalnum() or stripped[0] in "'\"`{([<-*.")):
        return False
    return len(_CJK.findall(stripped)) <= len(stripped) // 3


_SEPARATOR = re.compile(r" / |(?<=[）」』】”])/ |\s— ")  # "中文 / English", "（…）/ English", "中文 — English"


def _pick_line(text: str, lang: str) -> str:
    for found in _SEPARATOR.finditer(text):
        left, right = text[: found.start()], text[found.end() :]
        if _CJK.search(left) and _mostly_latin(right):
            if lang != "en":
                return left.rstrip()
            prefix = _PREFIX.match(left)  # a file or field named before the Chinese is named before the English
            if prefix and not _SENTENCE.search(prefix[1]) and prefix[1] not in right:
                return f"{prefix[1]}: {right.strip()}"
            return right.strip()
    return text


def pick(text: str, lang: str) -> str:
    """The side of a bilingual "中文 / English" text for `lang`, line by line; a line that is not
    written that way is kept as it is. A file named before the Chinese ("x.xlsx: 中文 / English")
    is kept before the English too."""
    return "\n".join(_pick_line(line, lang) for line in text.split("\n"))


def pick_help(text: str, lang: str) -> str:
    """Help text (a docstring: paragraphs of wrapped lines) in `lang`, paragraph by paragraph."""
    return "\n\n".join(pick(_unwrap(paragraph), lang) for paragraph in text.split("\n\n"))


def _unwrap(paragraph: str) -> str:
    """The lines of a paragraph as one: joined by a space, but not between two Chinese characters."""
    lines = [line.strip() for line in paragraph.strip().splitlines()]
    out = lines[0] if lines else ""
    for line in lines[1:]:
        out += ("" if _CJK.match(out[-1:]) and _CJK.match(line[:1]) else " ") + line
    return out


# ---------------------------------------------------------------- the command line library's own words
WORDS = {
    "zh": {
        "usage": "用法：", "options": "选项", "arguments": "参数", "commands": "命令", "error": "错误",
        "aborted": "已中止。", "help": "显示本帮助并退出", "required": "[必填]", "default": "[默认：{}]",
        "envvar": "[环境变量：{}]", "deprecated": "（已弃用）", "try": "运行 '{command_path} {help_option}' 查看帮助。",
        "options_metavar": "[选项]", "subcommand_metavar": "命令 [参数]...",
    },
    "en": {
        "usage": "Usage: ", "options": "Options", "arguments": "Arguments", "commands": "Commands", "error": "Error",
        "aborted": "Aborted.", "help": "Show this message and exit.", "required": "[required]",
        "default": "[default: {}]", "envvar": "[env var: {}]", "deprecated": "(deprecated) ",
        "try": "Try '{command_path} {help_option}' for help.", "options_metavar": "[OPTIONS]",
        "subcommand_metavar": "COMMAND [ARGS]...",
    },
}  # fmt: skip

# What the library says, and how to say it in Chinese: (pattern, template of the groups)
_CLICK_ZH: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"No such command '(.+?)'\.(?: Did you mean '(.+?)'\?)?$", re.S),
     lambda m: f"没有“{m[1]}”这个命令。" + (f"是不是要用“{m[2]}”？" if m[2] else "greencomm --help 列出全部命令。")),
    (re.compile(r"Missing argument '(.+?)'\.?$", re.S), lambda m: f"缺少参数 {m[1]}。"),
    (re.compile(r"Missing option '(.+?)'\.?$", re.S), lambda m: f"缺少选项 {m[1]}。"),
    (re.compile(r"Missing parameter: (.+?)\.?$", re.S), lambda m: f"缺少 {m[1]}。"),
    (re.compile(r"Missing command\.?$"), lambda m: "缺少命令。"),
    (re.compile(r"No such option: (\S+?)(?:\s+\(?Possible options: (.+?)\)?|\s+Did you mean (\S+?)\?)?$", re.S),
     lambda m: f"没有选项 {m[1]}。" + (f"是不是要用 {m[2] or m[3]}？" if m[2] or m[3] else "")),
    (re.compile(r"Option '(.+?)' requires an argument\.?$"), lambda m: f"选项 {m[1]} 后面需要给出一个值。"),
    (re.compile(r"Option '(.+?)' does not take a value\.?$"), lambda m: f"选项 {m[1]} 不带值。"),
    (re.compile(r"Got unexpected extra arguments? \((.+)\)$", re.S), lambda m: f"多出了参数：{m[1]}。"),
    (re.compile(r"Invalid value for (.+?): (.+)$", re.S), lambda m: f"{m[1]} 的值无效：{m[2]}"),
    (re.compile(r"Invalid value: (.+)$", re.S), lambda m: f"值无效：{m[1]}"),
    (re.compile(r"(File|Path|Directory) '(.+?)' does not exist\.?$"),
     lambda m: f"{ {'File': '文件', 'Path': '路径', 'Directory': '文件夹'}[m[1]] }“{m[2]}”不存在。"),
    (re.compile(r"(File|Path) '(.+?)' is a directory\.?$"), lambda m: f"“{m[2]}”是文件夹，应给出文件。"),
    (re.compile(r"Directory '(.+?)' is a file\.?$"), lambda m: f"“{m[1]}”是文件，应给出文件夹。"),
    (re.compile(r"'(.+?)' is not a valid (integer|float|boolean)(?: range)?\.?$"),
     lambda m: f"“{m[1]}”不是有效的{ {'integer': '整数', 'float': '数值', 'boolean': '是/否'}[m[2]] }。"),
    (re.compile(r"'(.+?)' is not one of (.+?)\.?$"), lambda m: f"“{m[1]}”不是可选值（{m[2]}）之一。"),
]  # fmt: skip


def library_message(message: str, lang: str) -> str:
    """A message of the command line library in `lang`: its own English, or our Chinese; inside, a
    value greencomm wrote bilingually is picked too."""
    if lang == "en":
        return pick(message, "en")
    for pattern, say in _CLICK_ZH:
        found = pattern.match(message.strip())
        if found:
            return pick(say(found), "zh")
    return pick(message, "zh")
