"""Speech labels and metadata filters as the front end uses them (pure, no engine)."""
from __future__ import annotations

from types import SimpleNamespace

from uihelpers import ContractMeta

from jianggao.indexer.identity import speech_label
from jianggao.qa.retrieval import Filters
from jianggao.ui.labels import distinct_labels, place_of, year_of


def sp(sid, title, source="a.txt", order=0, **meta):
    return SimpleNamespace(id=sid, title=title, source=source, order=order, meta=ContractMeta(**meta))


def test_labels_tell_apart_speeches_with_the_same_title():
    speeches = [
        sp("1", "全县脱贫攻坚工作会议讲话稿", place="紫阳县", meeting="脱贫攻坚工作会议"),
        sp("2", "全县脱贫攻坚工作会议讲话稿", place="商州区", meeting="脱贫攻坚工作会议"),
        sp("3", "全县脱贫攻坚工作会议讲话稿", source="b.txt"),
        sp("4", "全县脱贫攻坚工作会议讲话稿", source="c.txt", order=0),
        sp("5", "全县脱贫攻坚工作会议讲话稿", source="c.txt", order=1),
    ]
    labels = distinct_labels(speeches)
    assert labels["1"] == speech_label(speeches[0]) and "紫阳县" in labels["1"]
    assert labels["2"] == speech_label(speeches[1]) and "商州区" in labels["2"]
    assert len(set(labels.values())) == 5
    assert labels["3"].endswith("b.txt") and labels["5"].endswith("第 2 篇")


def test_place_falls_back_to_the_body_and_years_are_read_from_any_date_form():
    assert place_of(sp("1", "t", body="中国残联")) == "中国残联"
    assert place_of(SimpleNamespace(meta=None)) == ""
    assert [year_of(d) for d in ("2016年02月26日", "2025-01", "2025", "20xx年", None)] == \
        ["2016", "2025", "2025", "", ""]


def test_meta_filters_match_place_year_and_speaker():
    speech = SimpleNamespace(title="讲话", meta=ContractMeta(place="紫阳县", date="2016年03月02日", speaker="县委书记张三"))
    assert Filters.of(place="紫阳").allows("x", "a.txt", speech)
    assert Filters.of(year=2016, speaker="张三").allows("x", "a.txt", speech)
    assert not Filters.of(year="2017").allows("x", "a.txt", speech)
    assert not Filters.of(place="商州").allows("x", "a.txt", speech)
    unknown = SimpleNamespace(title="讲话", meta=ContractMeta())
    assert not Filters.of(speaker="李四").allows("x", "a.txt", unknown)  # unknown never matches
    assert Filters.of(place="中国残联").allows("x", "a.txt", SimpleNamespace(title="", meta=ContractMeta(body="中国残联")))
    assert Filters.of().empty and not Filters.of(year="2016").empty


def test_metadata_chips_show_the_line_they_were_read_from():
    from jianggao.ui import render

    text = "全县脱贫攻坚工作会议讲话稿\n——2016年3月2日在紫阳县脱贫攻坚工作会议上\n同志们：<今天>"
    i = text.index("紫阳县")
    speech = SimpleNamespace(text=text, source="a.txt",
                             meta=ContractMeta(place="紫阳县", date="2016-03-02", spans={"place": (i, i + 3)}))
    html = render.meta_html(speech)
    assert 'title="读自：——2016年3月2日在紫阳县脱贫攻坚工作会议上"' in html and "地点：紫阳县" in html
    assert html.count("title=") == 1  # the date carries no span: no tooltip
    speech.meta = ContractMeta(place="紫阳县", spans={"place": (5, 999)})  # a span outside the text is ignored
    assert "title=" not in render.meta_html(speech)
