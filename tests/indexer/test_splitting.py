"""Splitting pages into speeches: boundary signals, titles and metadata, on real lines from the seeds."""
from jianggao.indexer.normalize import normalize
from jianggao.indexer.splitting import (
    derive_title,
    extract_meta,
    find_segments,
    label_fits,
    page_title_line,
    raw_lines,
    split_page,
)
from jianggao.indexer.types import SpeechMeta

BODY = "近年来,广大学生在享受优质教育资源的同时,也出现了学生上学半径增大的现象。" * 12  # ~450 chars


def test_pian_markers_open_speeches_and_name_them():
    raw = (
        "天天范文\n位置:首页 > 演讲稿 > 发言稿\n校车安全管理工作会议上的讲话(精选5篇)\n"
        f"校车安全管理工作会议上的讲话 篇1\n大家好:\n{BODY}\n"
        f"校车安全管理工作会议上的讲话 篇2\n各位主任、各位领导:\n{BODY}\n"
    )
    segs = find_segments(raw_lines(raw))
    assert len(segs) == 3  # page header, 篇1, 篇2
    assert raw[segs[1].start :].startswith("校车安全管理工作会议上的讲话 篇1")
    assert raw[segs[2].start :].startswith("校车安全管理工作会议上的讲话 篇2")
    lines = raw_lines(raw)
    page = page_title_line(lines)
    assert raw[page.start : page.end] == "校车安全管理工作会议上的讲话(精选5篇)"


def test_traditional_pian_markers():
    raw = f"在集團公司疫情防控工作視頻會議上的講話篇一\n{BODY}\n在集團公司疫情防控工作視頻會議上的講話篇十一\n{BODY}\n"
    assert len(find_segments(raw_lines(raw))) == 2


def test_label_lines_split_speeches_without_pian_markers():
    raw = f"亲爱的全体同志:。\n你们好!\n{BODY}\n【残联发言稿范文】。\n{BODY}\n【残联发言稿范文】。\n{BODY}\n"
    assert len(find_segments(raw_lines(raw))) == 3


def test_salutation_opens_a_new_speech_only_after_enough_text():
    # After a title the salutation belongs to that speech; after a full speech it starts the next one.
    raw = f"全县脱贫攻坚工作会议上的讲话\n同志们:\n{BODY}\n同志们:\n{BODY}\n"
    segs = find_segments(raw_lines(raw))
    assert len(segs) == 2
    assert raw[segs[1].start :].startswith("同志们:")


def test_closing_and_pagination_debris_end_a_speech():
    raw = f"同志们:\n{BODY}\n谢谢大家!\n今年春季学期于2月9日正式上课。{BODY}\n"
    assert len(find_segments(raw_lines(raw))) == 2
    raw = f"同志們:\n{BODY}\n共\n2\n頁,當前第。\n1\n計劃生育是我國的基本國策。{BODY}\n"
    assert len(find_segments(raw_lines(raw))) == 2


def test_headline_followed_by_date_and_source_is_a_title():
    raw = (
        "2020-07-14\n抓实六大重点扶贫工程坚决打赢脱贫攻坚仗\n  • 2016年02月26日 15时52分\n  • 来源: 攀枝花市府\n"
        "  •   2月25日上午,全市脱贫攻坚工作大会在攀枝花会展中心召开。市委书记张剡出席会议并强调,全市上下要打赢脱贫攻坚仗。"
        + "脱贫攻坚是头等大事,扶贫工作要精准。" * 20
    )
    [d] = split_page(raw)
    assert d.title == "抓实六大重点扶贫工程坚决打赢脱贫攻坚仗"
    assert d.meta.date == "2016年02月26日"
    assert d.meta.origin == "攀枝花市府"
    assert d.meta.speaker == "市委书记张剡"
    assert not d.text.startswith("2020")  # header lines are metadata, not speech text


def test_label_fits_weighs_specific_words():
    school_bus = normalize("校车安全管理工作会议上的讲话")
    assert label_fits(school_bus, "校车安全很重要,校车管理要规范,校车安全检查要到位,校车管理制度要落实。")
    assert not label_fits(school_bus, "医改工作取得成效,医疗卫生服务体系不断完善,医改要深化,管理要加强。")


def test_derived_title_uses_the_meeting_or_the_topic():
    text = "同志们:\n今天我们召开全市脱贫攻坚推进工作调度会议,主要任务是总结工作。" + "脱贫攻坚要抓实。" * 10
    assert derive_title(text, normalize(text), SpeechMeta()) == "在全市脱贫攻坚推进工作调度会议上的讲话"
    text = "消防安全是头等大事。消防救援队伍要加强火灾防控。消防设施要完善,消防检查要到位。"
    assert "消防" in derive_title(text, normalize(text), SpeechMeta())


def test_traditional_titles_keep_their_script():
    text = "同志們:\n今天,市委、市政府召開全市人口和計劃生育工作視頻會議,主要任務是部署工作。" + "計劃生育工作要抓緊。" * 10
    title = derive_title(text, normalize(text), SpeechMeta())
    assert title == "在全市人口和計劃生育工作視頻會議上的講話"


def test_extract_meta_prefers_the_last_header_date():
    meta = extract_meta("正文", "正文", "2020-07-14\n2016年02月26日 15时52分\n来源: 攀枝花市府")
    assert meta.date == "2016年02月26日" and meta.origin == "攀枝花市府"


def test_split_page_offsets_point_into_the_raw_page():
    body = "全县脱贫攻坚工作要抓实,脱贫攻坚任务要落实到人,脱贫攻坚考核要严格。" * 10
    raw = f"垃圾头部\n全县脱贫攻坚工作会议上的讲话\n同志们:\n{body}\n谢谢!\n"
    [d] = split_page(raw)
    assert raw[d.start : d.end].startswith("全县脱贫攻坚工作会议上的讲话")
    assert d.text.startswith("同志们:") and d.title == "全县脱贫攻坚工作会议上的讲话"
    assert len(d.norm) == len(d.text)
