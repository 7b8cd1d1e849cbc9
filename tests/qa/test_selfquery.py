"""Self-query: which speeches a question names, and how retrieval ranks the named speeches' passages."""
from types import SimpleNamespace

import numpy as np

from jianggao.indexer.speechnames import MAX_GRAM
from jianggao.indexer.types import Chunk, Speech, SpeechMeta
from jianggao.qa.retrieval import RetrievalConfig, Retriever
from jianggao.qa.selfquery import (
    Identity, NameIndex, identity_of, named_speeches, names, question_grams, runs_naming, strongest_naming,
)


def speech(sid, title="讲话", **meta):
    return Speech(id=sid, source=f"{sid}.docx", order=0, start=0, end=1, title=title, page_title="",
                  text="正文", norm="正文", meta=SpeechMeta(**meta))


def test_a_value_is_named_by_its_head_not_by_a_word_inside_it():
    ident = Identity(heads=("紫阳县", "2014-06-01", "王明", "青山县教育局"))
    assert names("紫阳", ident) and names("紫阳县", ident)
    assert names("2014", ident)  # a year names the date
    assert names("王明", ident)
    assert names("青山县教育", ident)
    assert not names("教育", ident)  # a topic word the organisation's name happens to hold
    assert not names("2015", ident)


def test_a_meeting_is_named_by_a_long_run_anywhere_in_it():
    ident = Identity(heads=(), meetings=("全县秋季森林防火工作会议",))
    assert names("森林防火工作会议", ident)
    assert not names("防火", ident)  # a short topic word inside the meeting's name
    assert not names("全县", ident)


def test_named_speeches_keeps_distinctive_runs_and_prefers_the_longer_one():
    ids = {
        "sh": Identity(("上海市", "2025-01-15")),
        "hai": Identity(("海南省", "2025-01-20")),
        "bj": Identity(("北京市", "2025-01-14")),
        "tj": Identity(("天津市", "2024-01-10")),
    }
    index = NameIndex(ids)
    got = named_speeches("上海市2025年的目标是多少", index)
    assert set(got) == {"sh"} and got["sh"] == 1.0  # 2025 names 3 of 4 speeches: not distinctive
    assert named_speeches("2024年做了什么", index) == {"tj": 1.0}
    assert named_speeches("明年的目标是多少", index) == {}
    one = NameIndex({"sh": Identity(("上海市",))})
    assert named_speeches("上海市的目标", one) == {}  # one speech: nothing to tell apart


def test_the_strongest_run_says_which_speech_a_question_is_about():
    index = NameIndex({
        "sh": Identity(("上海市", "2025-01-15")),
        "hai": Identity(("海南省", "2025-01-20")),
        "hai24": Identity(("海南省", "2024-01-25")),
        "tj": Identity(("天津市", "2024-01-10")),
    })
    runs = runs_naming("海南省投入多少资金", index)
    assert runs == {"hai": "海南省", "hai24": "海南省"}
    assert strongest_naming(runs) == ({"hai", "hai24"}, "海南省")
    # The longest run wins (a year is four characters): both 2024 speeches, whatever their place.
    runs = runs_naming("海南2024年投入多少资金", index)
    assert runs == {"hai": "海南", "hai24": "2024", "tj": "2024"}
    assert strongest_naming(runs) == ({"hai24", "tj"}, "2024")
    assert strongest_naming(runs_naming("明年的目标是多少", index)) == (set(), "")


def test_runs_of_equal_length_name_a_speech_by_the_same_run_in_every_process():
    meeting = "全县第三次脱贫攻坚专题会议"  # longer than the longest run stored: several windows name it
    index = NameIndex({"a": Identity(("甲县",), (meeting,)), "b": Identity(("乙县",), ("全县森林防火工作会议",))})
    runs = runs_naming(meeting + "上讲了什么", index)
    windows = {meeting[i:i + MAX_GRAM] for i in range(len(meeting) - MAX_GRAM + 1)}
    assert runs["a"] == max(windows)  # not whichever window the hash order of the grams gives first


def test_the_index_agrees_with_names_on_every_run_of_a_question():
    ids = {"a": Identity(("紫阳县", "2014-06-01", "青山县教育局"), ("紫阳县第十八届人民代表大会第五次会议",)),
           "b": Identity(("青山县", "2015"), ("全县森林防火工作会议",))}
    index = NameIndex(ids)
    question = "2014年紫阳县第十八届人民代表大会上青山县教育局说全县森林防火工作会议要做什么"
    for g in question_grams(question):
        assert index.named_by(g) == {sid for sid, ident in ids.items() if names(g, ident)}, g


def test_identity_of_reads_fields_title_years_and_title_places():
    s = speech("a", title="2016年紫阳县人民政府工作报告", place="紫阳县", speaker="王明", date="2016-02-01",
               meeting="紫阳县第十八届人民代表大会第五次会议")

    def tag(text):  # stands in for jieba's POS tagger
        return [("2016年", "t"), ("紫阳县人民政府", "nt"), ("工作", "vn"), ("报告", "n")]

    ident = identity_of(s, tag)
    assert "紫阳县" in ident.heads and "王明" in ident.heads and "2016-02-01" in ident.heads
    assert "2016" in ident.heads  # the title's year
    assert "工作" not in ident.heads and "报告" not in ident.heads  # title topic words are not identity
    assert ident.meetings == ("紫阳县第十八届人民代表大会第五次会议",)
    assert identity_of(speech("b")) == Identity((), ())  # nothing known, nothing named


# -- retrieval: the named speech's passages ranked by the question's words --------------------------------------
class _Lexical:
    def __init__(self, ranked):
        self.ranked = ranked

    def search_batch(self, queries, k):
        return [[SimpleNamespace(doc=d, score=s) for d, s in self.ranked[:k]] for _ in queries]


class _Store:
    """Three passages: 0 and 1 in the named speech (0 is nearer by embedding, 1 says more of the asked words),
    2 in another speech, first by keyword and second by embedding (first when fused)."""

    def __init__(self):
        self.speeches = [speech("x", title="2025年甲市工作报告", place="甲市"),
                         speech("y", title="2025年乙省工作报告", place="乙省")]
        self.chunks = [Chunk(f"{sid}:{i}", sid, i, 0, 1, "正文", "正文") for i, sid in enumerate("xxy")]
        self.chunk_duplicates = [[], [], []]
        self.lexical = _Lexical([(2, 9.0), (1, 8.0), (0, 1.0)])

    def dense_search_batch(self, vectors, k):
        return [[SimpleNamespace(doc=d, score=s) for d, s in [(0, 0.9), (2, 0.8), (1, 0.5)][:k]] for _ in vectors]


def test_the_named_speechs_passage_with_the_asked_words_comes_first():
    store = _Store()
    vec = np.zeros((1, 4), np.float32)
    ranked = Retriever(store, encoder=None).ranked_batch(["甲市的空气质量目标是多少"], query_vectors=vec)[0]
    # inside the named speech the keyword order decides (the fused order there would put 0 first)
    assert [d for d, _ in ranked][:2] == [1, 0]
    # without self-query, the other speech's passage leads
    off = Retriever(store, encoder=None, config=RetrievalConfig(self_query_weight=0.0))
    assert [d for d, _ in off.ranked_batch(["甲市的空气质量目标是多少"], query_vectors=vec)[0]][0] == 2


def test_a_named_speech_found_only_by_meaning_is_still_boosted():
    store = _Store()
    store.lexical = _Lexical([(2, 9.0)])  # no passage of the named speech says the question's words
    vec = np.zeros((1, 4), np.float32)
    ranked = Retriever(store, encoder=None).ranked_batch(["甲市那次讲的那件事"], query_vectors=vec)[0]
    assert [d for d, _ in ranked][0] == 0  # the named speech's passage nearest in meaning leads


def test_a_pasted_passage_names_no_speech():
    from jianggao.qa.selfquery import is_passage

    index = NameIndex({"a": Identity(("紫阳县",)), "b": Identity(("青山县",)), "c": Identity(("白河县",))})
    assert named_speeches("紫阳县今年的目标是多少?", index) == {"a": 1.0}
    passage = "紫阳县今年要抓好产业扶贫。各乡镇要落实责任,确保按期完成任务。"
    assert is_passage(passage) and not is_passage("紫阳县今年的目标是多少?")
    assert named_speeches(passage, index) == {}


def test_a_longer_common_word_does_not_hide_the_place_a_question_names():
    from jianggao.qa.selfquery import strongest_proper_naming

    tags = {"甲省": [("甲省", "ns")], "自治区": [("自治区", "n")], "乙市": [("乙市", "ns")]}
    tag = lambda text: tags[text]  # noqa: E731
    runs = {"a": "甲省", "b": "自治区", "c": "自治区"}
    assert strongest_naming(runs) == ({"b", "c"}, "自治区")  # the longest run is a common word ...
    assert strongest_proper_naming(runs, tag) == ({"a"}, "甲省")  # ... the proper name still pins the speech
    assert strongest_proper_naming({"b": "自治区"}, tag) == (set(), "")
    assert strongest_proper_naming({"a": "甲省", "d": "乙市"}, tag) == ({"a", "d"}, "甲省")


def test_only_a_proper_name_pins_the_answer_to_one_speech():
    from jianggao.qa.selfquery import is_proper_naming

    tags = {"教育局": [("教育局", "n")], "教育": [("教育", "vn")], "天津": [("天津", "ns")], "紫阳县": [("紫阳县", "ns")],
            "攀枝花": [("攀枝花", "i")],
            "中国残联": [("中国残联", "nt")], "自治区": [("自治区", "n")]}
    tag = lambda text: tags[text]  # noqa: E731
    assert is_proper_naming("天津", tag)
    assert is_proper_naming("中国残联", tag)
    assert is_proper_naming("2014", tag)  # a year
    assert is_proper_naming("紫阳县", tag)
    assert is_proper_naming("攀枝花", tag)  # a city's name that the tagger takes for an idiom is no common word
    assert is_proper_naming("紫阳县") and not is_proper_naming("教育局")  # untagged: a place with its suffix
    assert is_proper_naming("全县脱贫攻坚", tag)  # a meeting's distinctive part
    # a kind of body or a topic word that identity values start with names no one speech
    assert not is_proper_naming("教育局", tag)
    assert not is_proper_naming("教育", tag)
    assert not is_proper_naming("自治区", tag)
    assert not is_proper_naming("", tag)


def test_the_strongest_naming_run_is_the_same_whatever_the_order_of_the_runs():
    from jianggao.qa.selfquery import strongest_naming

    a = {"s1": "甲乙丙丁", "s2": "戊己庚辛", "s3": "壬癸"}
    b = dict(reversed(list(a.items())))
    assert strongest_naming(a) == strongest_naming(b) == ({"s1", "s2"}, max("甲乙丙丁", "戊己庚辛"))
