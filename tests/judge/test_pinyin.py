"""The pinyin key that orders tied names (docs/rules.md#ordering) is lazy_pinyin's, run by run:
the same text, cut where pypinyin cuts it (runs of characters with pinyin and runs of others), each
run of Chinese converted once."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from pypinyin import Style, lazy_pinyin

from greencomm.judge.ranking import pinyin_key
from greencomm.read.names import name_key

# phrases whose characters read otherwise alone (长沙/市长, 重庆/重新, 银行/行长, 音乐/乐园, 朝阳/朝代…),
# single characters of every kind, and what is not Chinese (digits, letters, full-width, marks)
PHRASES = ["长沙", "市长", "重庆", "重新", "银行", "行长", "音乐", "乐园", "朝阳", "朝代", "曾经", "曾家",
           "都市", "首都", "单县", "调查", "和平", "传记", "会计", "社区", "花园", "新村", "街道"]  # fmt: skip
PIECES = st.one_of(
    st.sampled_from(PHRASES),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # the CJK block, rare characters included
    st.characters(min_codepoint=0x3400, max_codepoint=0x4DBF),  # extension A: no pinyin for many
    st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF),  # extension B, beyond 16 bits
    st.sampled_from(["〇", "\ufa18", "\ue815", "\u33ff", "\ua000"]),  # at and beside the edges of pypinyin's ranges
    st.sampled_from(list("0123４５ABxy（）·-_ 　,.〇")),
)


def lazy_key(name: str | None) -> str:
    text = name_key(name or "")
    return " ".join(lazy_pinyin(text, style=Style.TONE3)) + "\x00" + text


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=12).map("".join))
def test_the_key_is_lazy_pinyins_of_the_whole_name(name: str) -> None:
    assert pinyin_key(name) == lazy_key(name)


def test_words_read_by_their_neighbours_in_a_phrase() -> None:
    """长 in 长沙 and in 市长, 重 in 重庆 and 重新: the phrase decides, as lazy_pinyin's does."""
    for name in ["长沙市长社区", "重庆重新社区", "银行行长", "音乐乐园", "", None, "第000123号社区"]:
        assert pinyin_key(name) == lazy_key(name)
    assert pinyin_key("长沙").startswith("chang2 sha1") and pinyin_key("市长").startswith("shi4 zhang3")
