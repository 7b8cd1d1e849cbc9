"""Filters by speech identity (place / year / speaker) beside the id and file filters."""
import pytest

from jianggao.qa.compare import speech_meta
from jianggao.qa.retrieval import Filters
from jianggao.indexer.types import Speech, SpeechMeta


def speech(sid, **meta):
    return Speech(id=sid, source=f"{sid}.docx", order=0, start=0, end=1, title=meta.pop("title", "标题"),
                  page_title="", text="正文", norm="正文", meta=SpeechMeta(**meta))


SHANGHAI = speech("a", title="2025年上海市政府工作报告", place="上海市", body="上海市人民政府", speaker="龚正",
                  date="2025-01-15")
COUNTY = speech("b", place="紫阳县", date="2016")
UNKNOWN = speech("c")


def test_identity_filters():
    f = Filters.of(place="上海", year="2025", speaker="龚正")
    assert not f.empty
    assert f.allows("a", "a.docx", SHANGHAI)
    assert not f.allows("b", "b.docx", COUNTY)
    assert not f.allows("c", "c.docx", UNKNOWN)  # unknown fields do not pass a filter on them
    assert not f.allows("a", "a.docx")  # without the speech, an identity filter cannot pass
    assert Filters.of(place="紫阳").allows("b", "b.docx", COUNTY)
    assert Filters.of(year=2016).allows("b", "b.docx", COUNTY)
    assert Filters.of(place="上海市人民政府").allows("a", "a.docx", SHANGHAI)  # body


def test_id_and_source_filters_still_work_and_combine():
    f = Filters.of(["a"], None, place="上海")
    assert f.allows("a", "a.docx", SHANGHAI) and not f.allows("b", "b.docx", COUNTY)
    assert Filters.of().empty and Filters.of().allows("x", "y")


def test_year_must_be_a_year():
    with pytest.raises(ValueError, match="four digits"):
        Filters.of(year="25")


def test_compare_meta_reads_fields_by_name():
    assert speech_meta(SHANGHAI) == {"place": "上海市", "body": "上海市人民政府", "speaker": "龚正", "date": "2025-01-15"}
    assert speech_meta(UNKNOWN) == {}
