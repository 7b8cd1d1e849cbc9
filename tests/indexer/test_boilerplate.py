"""Boilerplate by repetition across one run's documents: site chrome goes, speech content that repeats stays.
The pages here are written for the test (an imaginary site's chrome around speech paragraphs of several topics)."""
from __future__ import annotations

from jianggao.indexer.boilerplate import BoilerplateRule, line_key, repeated_lines, strip_boilerplate
from jianggao.indexer.pipeline import process
from jianggao.indexer.types import RawDocument

TOPICS = ["农村公路建设", "中小学校舍安全", "河道综合治理", "社区养老服务", "森林防火工作", "粮食生产安全",
          "食品安全监管", "招商引资项目", "城市管网改造", "职业技能培训"]
NAV = "首页 > 范文中心 > 领导讲话 > 正文"
SITE = "某某写作网 www.example-site.cn"
FOOT = "Copyright © 2019-2024 某某写作网 版权所有 第{n}页"
SOURCE = "本文由网友投稿，仅供学习交流，如有侵权请联系删除。"
SLOGAN = "绿水青山就是金山银山，保护生态环境就是保护生产力。"


def body(topic: str, middle: list[str] = ()) -> list[str]:
    return ["各位领导、同志们：",
            f"今天召开{topic}专题会议，主要任务是总结前段工作，安排部署下一步任务。",
            "一、统一思想，提高认识",
            f"{topic}事关群众切身利益，各级各部门要高度重视，压实责任，确保各项措施落到实处。",
            *middle,
            f"要加强督促检查，对{topic}中发现的问题限期整改，对工作不力的严肃问责。",
            "谢谢大家！"]


def page(k: int, topic: str, middle: list[str] = ()) -> str:
    return "\n".join([NAV, SITE, *body(topic, middle), SOURCE, FOOT.format(n=k + 1)])


def test_line_key_ignores_numbers_spaces_and_separators():
    assert line_key(FOOT.format(n=3)) == line_key(FOOT.format(n=12))
    assert line_key("首页>范文中心>领导讲话>正文") == line_key(NAV)


def test_chrome_at_the_edges_of_pages_goes_and_the_speech_stays():
    pages = [page(k, t) for k, t in enumerate(TOPICS[:4])]
    rep = repeated_lines(pages)
    for k, (p, t) in enumerate(zip(pages, TOPICS)):
        out, removed = strip_boilerplate(p, rep)
        assert out.split("\n") == body(t)
        assert removed == [NAV, SITE, SOURCE, FOOT.format(n=k + 1)]


def test_a_line_in_too_few_documents_stays():
    pages = [page(k, t) for k, t in enumerate(TOPICS[:2])]
    rep = repeated_lines(pages)
    assert all(strip_boilerplate(p, rep)[1] == [] for p in pages)


def test_a_slogan_quoted_inside_several_speeches_stays():
    # Quoted in the middle of three speeches of ten: repeated, but neither at an edge nor on most pages.
    pages = [page(k, t, [SLOGAN] if k < 3 else []) for k, t in enumerate(TOPICS)]
    rep = repeated_lines(pages)
    for p in pages[:3]:
        out, removed = strip_boilerplate(p, rep)
        assert SLOGAN in out.split("\n")
        assert SLOGAN not in removed


def test_a_watermark_on_most_pages_goes_wherever_it_stands():
    mark = "更多精彩范文请关注本站微信公众号"
    pages = [page(k, t, [mark]) for k, t in enumerate(TOPICS[:6])]
    rep = repeated_lines(pages)
    for p in pages:
        out, removed = strip_boilerplate(p, rep)
        assert mark in removed and mark not in out


def test_formulae_and_headings_of_speeches_are_never_chrome():
    # Every page has the same salutation, heading and closing: speeches of one kind repeat their structure.
    pages = [page(k, t) for k, t in enumerate(TOPICS)]
    rep = repeated_lines(pages)
    out, removed = strip_boilerplate(pages[0], rep)
    for line in ("各位领导、同志们：", "一、统一思想，提高认识", "谢谢大家！"):
        assert line in out.split("\n") and line not in removed


def test_a_speech_title_shared_by_pages_is_kept():
    title = "在全市安全生产工作会议上的讲话"
    pages = [title + "\n" + "\n".join(body(t)) for t in TOPICS[:5]]
    rep = repeated_lines(pages)
    assert all(strip_boilerplate(p, rep)[1] == [] for p in pages)


def test_stacked_chrome_goes_whole():
    extra = ["当前位置：网站首页", "热门推荐：工作总结 心得体会 述职报告"]
    pages = ["\n".join(extra + [p]) for p in (page(k, t) for k, t in enumerate(TOPICS[:3]))]
    rep = repeated_lines(pages)
    out, removed = strip_boilerplate(pages[0], rep)
    assert out.split("\n") == body(TOPICS[0])


def test_a_line_that_names_a_speech_is_kept_even_in_chrome():
    # Known limit: a navigation line ending like a title (…讲话稿) is protected as a title.
    extra = ["热门推荐：工作总结 心得体会 讲话稿"]
    pages = ["\n".join(extra + [p]) for p in (page(k, t) for k, t in enumerate(TOPICS[:3]))]
    rep = repeated_lines(pages)
    assert extra[0] in strip_boilerplate(pages[0], rep)[0]


def test_rule_thresholds_are_parameters():
    pages = [page(k, t) for k, t in enumerate(TOPICS[:4])]
    strict = BoilerplateRule(min_docs=5)
    rep = repeated_lines(pages, strict)
    assert strip_boilerplate(pages[0], rep, strict)[1] == []


def test_pipeline_removes_the_runs_chrome_before_splitting():
    docs = [RawDocument(source=f"p{k}.txt", text=page(k, t), encoding="utf-8", sha1=str(k))
            for k, t in enumerate(TOPICS[:4])]
    result = process(docs)
    assert len(result.speeches) == 4
    for s in result.speeches:
        assert "写作网" not in s.text and "侵权" not in s.text and "首页" not in s.text
        assert "统一思想" in s.text


def test_a_segmented_library_removes_the_chrome_its_batch_repeats(tmp_path):
    # jianggao index --segmented: the files added in one batch are a run of their own; a library added at once is
    # cut into the same speeches as a single-version build makes.
    from stand_ins import HashEncoder

    from jianggao.indexer.loaders import load_corpus
    from jianggao.indexer.segbuild import open_store, update_index

    lib = tmp_path / "library"
    lib.mkdir()
    for k, t in enumerate(TOPICS[:4]):
        (lib / f"p{k}.txt").write_text(page(k, t), encoding="utf-8")
    update_index([lib], tmp_path / "index", encoder=HashEncoder(), index_type="segmented")
    stored = open_store(tmp_path / "index").speeches
    texts = sorted(s.text for s in stored)
    assert len(texts) == 4
    for text in texts:
        assert "写作网" not in text and "侵权" not in text and "首页" not in text and "统一思想" in text
    docs, _ = load_corpus([lib])
    assert texts == sorted(s.text for s in process(docs).speeches)


def test_files_indexed_before_their_site_repeated_lose_its_chrome_later(tmp_path, monkeypatch):
    # Two pages of a site are indexed (their chrome repeats in two documents only: kept), then two more come: the
    # first two are processed again and end like a fresh build; a file that held no chrome is not redone.
    from stand_ins import HashEncoder

    from jianggao.indexer import pipeline
    from jianggao.indexer.build import build_index
    from jianggao.indexer.store import Store

    lib, enc = tmp_path / "lib", HashEncoder()
    lib.mkdir()
    for k in (0, 1):
        (lib / f"p{k}.txt").write_text(page(k, TOPICS[k]), encoding="utf-8")
    (lib / "plain.txt").write_text("\n".join(body(TOPICS[9])), encoding="utf-8")
    build_index([lib], tmp_path / "idx", encoder=enc)
    first = Store.load(tmp_path / "idx", expect_model=enc.name).speeches
    assert all("侵权" in s.text for s in first if s.source != "plain.txt")  # the site's source line
    plain_id = next(s.id for s in first if s.source == "plain.txt")
    for k in (2, 3):
        (lib / f"p{k}.txt").write_text(page(k, TOPICS[k]), encoding="utf-8")
    redone = []
    real_of = pipeline.speeches_of
    monkeypatch.setattr(pipeline, "speeches_of", lambda doc, *a: redone.append(doc.source) or real_of(doc, *a))
    build_index([lib], tmp_path / "idx", encoder=enc)
    assert sorted(redone) == ["p0.txt", "p1.txt", "p2.txt", "p3.txt"]  # plain.txt kept
    after = Store.load(tmp_path / "idx", expect_model=enc.name).speeches
    assert not any("侵权" in s.text or "写作网" in s.text for s in after)
    assert plain_id in {s.id for s in after}
    build_index([lib], tmp_path / "fresh", encoder=enc)
    fresh = Store.load(tmp_path / "fresh", expect_model=enc.name).speeches
    assert sorted((s.id, s.text) for s in after) == sorted((s.id, s.text) for s in fresh)


def test_a_signed_speech_keeps_its_date_line_however_many_pages_are_dated():
    # With digits as 0 every date line has the same key: ten signed speeches would make "0年0月0日" look repeated.
    pages = [page(k, t).replace("谢谢大家！", f"谢谢大家！\n某某局局长 张{'一二三四五六七八九十'[k]}明\n2023年{k + 1}月{k + 3}日")
             for k, t in enumerate(TOPICS)]
    rep = repeated_lines(pages)
    out, removed = strip_boilerplate(pages[4], rep)
    assert "2023年5月7日" in out.split("\n") and not any("2023年" in r for r in removed)
    assert SOURCE in removed  # the site's chrome still goes
