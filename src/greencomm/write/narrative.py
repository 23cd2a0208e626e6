"""The clerk's narrative for the year's summary (年度总结素材, docs/rules.md#documents): a Markdown file
whose headings name the summary's sections, merged into the documents on every run.

The prose lives in a file the clerk owns, written once a year: nothing the clerk wrote is lost to a
re-run, and nothing in it is dropped without a warning.

Headings are matched by what they say, not by their level or numbering: `## 组织领导`,
`## 一、（一）组织领导` and `### 加强组织领导` all name the section 组织领导. Paragraphs are separated by
blank lines; lines of one paragraph are joined; list items (`- `, `* `, `1. `) are paragraphs of
their own. HTML comments are the clerk's notes and are left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from greencomm.errors import ConfigError
from greencomm.programme.settings import read_text

KIND = ("年度总结素材文件", "narrative file")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})(?!#)\s*(.*?)\s*#*\s*$")  # "##组织领导" with no space is one too
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")  # --- or * * *: a break between paragraphs
_QUOTE = re.compile(r"^\s{0,3}>\s?")
_BULLET = re.compile(r"^\s{0,3}[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s{0,3}(\d{1,3})[.)．、]\s+(.*)$")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
# 一、 （一） (1) 1. 1、 第一部分 — the numbering a heading may carry before its words
_NUMBERING = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+(?:\.\d+)*(?:[、.．)]|\s)|"
    r"第[一二三四五六七八九十\d]+[部分章节条点]*[、.．:：]?)\s*"
)
_PUNCTUATION = re.compile(r"[\s\"'“”‘’「」《》【】:：,，.。;；!！?？、·\-—_*`]+")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of a section: the clerk's, or a placeholder saying what to write there."""

    text: str
    placeholder: bool = False
    bullet: bool = False  # a list item (`- …`): a list item in Markdown, a paragraph in Word


@dataclass
class Block:
    """The text under one heading of the narrative file (`heading` None: before the first heading)."""

    heading: str | None
    line: int
    paragraphs: list[Paragraph] = field(default_factory=list)


@dataclass(frozen=True)
class SectionWords:
    """What a section of the summary is called and the words a clerk's heading may use for it."""

    key: str
    name: str
    words: tuple[str, ...] = ()


@dataclass
class Narrative:
    """The clerk's paragraphs by section key, and what the sections did not take."""

    sections: dict[str, list[Paragraph]] = field(default_factory=dict)
    unmatched: list[Block] = field(default_factory=list)
    source: str = ""

    def warnings(self) -> list[str]:
        """One warning for each piece of text no section takes: it is not in the documents."""
        out = []
        for block in self.unmatched:
            where = f"{self.source}: 第{block.line}行"
            if block.heading is None:
                out.append(f"{where}: 第一个标题之前的文字未写入年度总结（请放到 ## 总体情况 等标题下）"
                           f" / text before the first heading is not in the summary")  # fmt: skip
            else:
                out.append(f"{where}: 标题“{block.heading}”不对应年度总结的任何一节，其下文字未写入"
                           f" / the heading '{block.heading}' matches no section of the summary; its text is"
                           f" not in the summary")  # fmt: skip
        return out


def read_narrative(path: Path) -> str:
    """The narrative file as text (UTF-8, GB18030 or UTF-16 with a BOM, as Windows editors save it);
    a missing file, a folder or bytes that are no text are a ConfigError naming it."""
    text = read_text(path, KIND)
    if "\x00" in text:  # a .docx or a picture given by mistake: zip and image bytes hold NULs
        raise ConfigError(f"{path}: {KIND[0]}应为 Markdown 文本（.md），不是 Word 文件或图片 / the {KIND[1]} must be"
                          f" Markdown text (.md), not a Word file or a picture")  # fmt: skip
    return text


def heading_words(heading: str) -> str:
    """A heading reduced to its words: numbering (一、 （一） 1.), punctuation and spaces taken out."""
    text = heading.strip()
    while True:
        stripped = _NUMBERING.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return _PUNCTUATION.sub("", text)


def match_section(heading: str, sections: Sequence[SectionWords]) -> str | None:
    """The section a heading names: the one whose name it is, else the first whose name or one of
    whose words it contains (so 宣传培训 is 宣传发动: sections are tried in the summary's order)."""
    words = heading_words(heading)
    if not words:
        return None
    for section in sections:
        if words == heading_words(section.name):
            return section.key
    for section in sections:
        if any(w in words for w in (heading_words(section.name), *section.words)):
            return section.key
    return None


def parse(text: str) -> list[Block]:
    """The file's blocks, one per heading (and one for any text before the first heading)."""
    text = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text.replace("\r\n", "\n").replace("\r", "\n"))
    blocks = [Block(None, 1)]
    lines: list[str] = []
    bullet = False

    def close() -> None:
        nonlocal lines, bullet
        joined = _join(lines)
        if joined:
            blocks[-1].paragraphs.append(Paragraph(_inline(joined), bullet=bullet))
        lines, bullet = [], False

    for number, raw in enumerate(text.split("\n"), start=1):
        line = _QUOTE.sub("", raw)
        heading = _HEADING.match(line) if not _RULE.match(line) else None
        item = _BULLET.match(line) or _NUMBERED.match(line)
        if heading:
            close()
            blocks.append(Block(heading.group(2).strip(), number))
        elif not line.strip() or _RULE.match(line):
            close()
        elif item:
            close()
            numbered = item.re is _NUMBERED
            lines, bullet = [f"{item.group(1)}. {item.group(2)}" if numbered else item.group(1)], not numbered
        else:
            lines.append(line.strip())
    close()
    return [b for b in blocks if b.heading is not None or b.paragraphs]


def _join(lines: list[str]) -> str:
    """Lines of one paragraph as one line: Chinese runs on without a space, Latin words keep one."""
    out = ""
    for line in lines:
        if out and line and out[-1].isascii() and out[-1].isalnum() and line[0].isascii() and line[0].isalnum():
            out += " "
        out += line
    return out.strip()


def _inline(text: str) -> str:
    """Simple inline Markdown as the words it marks: **重点** → 重点, `代码` → 代码, [文字](链接) → 文字."""
    return _LINK.sub(r"\1", _CODE.sub(r"\1", _EMPHASIS.sub(r"\2", text)))


def merge(text: str, sections: Sequence[SectionWords], source: str) -> Narrative:
    """The narrative's paragraphs by section; a heading that names no section, with text under it,
    and text before the first heading, are kept aside to be warned about. A heading with no text
    under it (a title, or 一、创建工作开展情况 above its （一）…) takes nothing and loses nothing."""
    narrative = Narrative(source=source)
    for block in parse(text):
        key = match_section(block.heading, sections) if block.heading is not None else None
        if key is not None:
            narrative.sections.setdefault(key, []).extend(block.paragraphs)
        elif block.paragraphs:
            narrative.unmatched.append(block)
    return narrative
