"""Splitting cleaned documents into speeches: document-level evidence first, then boundary signals (real lines)."""
from pathlib import Path

import pytest

from jianggao.indexer.cleaning import clean_text
from jianggao.indexer.splitting import (
    find_segments,
    is_own_title,
    is_title,
    label_text,
    many_speech_evidence,
    page_title_line,
    split_document,
    text_lines,
)

BODY = "近年来,广大学生在享受优质教育资源的同时,也出现了学生上学半径增大的现象。" * 12  # ~450 chars
SEEDS = Path(__file__).resolve().parents[2] / "data" / "speeches"


def starts(text: str, encoding: str = "") -> list[str]:
    return [text[p.start :].split("\n")[0] for p in split_document(text, encoding)]


def test_pian_markers_open_speeches_and_name_them():
    raw = (
        "校车安全管理工作会议上的讲话(精选5篇)\n"
        f"校车安全管理工作会议上的讲话 篇1\n大家好:\n{BODY}\n"
        f"校车安全管理工作会议上的讲话 篇2\n各位主任、各位领导:\n{BODY}\n"
    )
    parts = split_document(raw)
    assert [raw[p.start :].split("\n")[0] for p in parts] == [
        "校车安全管理工作会议上的讲话 篇1", "校车安全管理工作会议上的讲话 篇2"]
    assert all(p.title_line == "校车安全管理工作会议上的讲话" for p in parts)
    assert all(p.page_title == "校车安全管理工作会议上的讲话" for p in parts)
    assert parts[0].text.startswith("大家好:") and "篇1" not in parts[0].text
    page = page_title_line(text_lines(raw))
    assert raw[page.start : page.end] == "校车安全管理工作会议上的讲话(精选5篇)"


def test_traditional_pian_markers():
    raw = f"在集團公司疫情防控工作視頻會議上的講話篇一\n{BODY}\n在集團公司疫情防控工作視頻會議上的講話篇十一\n{BODY}\n"
    assert many_speech_evidence(text_lines(raw)) == "篇 markers"
    assert len(split_document(raw)) == 2


def test_label_lines_split_speeches_without_pian_markers():
    raw = f"亲爱的全体同志:\n你们好!\n{BODY}\n【残联发言稿范文】。\n{BODY}\n【残联发言稿范文】。\n{BODY}\n"
    assert len(find_segments(text_lines(raw))) == 3
    # The untitled first speech is long: it is a speech, not the page's introduction.
    assert len(split_document(raw)) == 3


def test_salutation_opens_a_new_speech_only_after_enough_text():
    raw = f"全县脱贫攻坚工作会议上的讲话\n同志们:\n{BODY}\n同志们:\n{BODY}\n"
    segs = find_segments(text_lines(raw))
    assert len(segs) == 2
    assert raw[segs[1].start :].startswith("同志们:")


def test_closing_ends_a_speech():
    raw = f"同志们:\n{BODY}\n谢谢大家!\n今年春季学期于2月9日正式上课。{BODY}\n"
    assert len(find_segments(text_lines(raw))) == 2


def test_title_closed_by_a_full_stop_is_a_title_whoever_speaks():
    assert is_title("周耀宜同志的讲话。")  # a real line of seed 001
    assert is_title("在全县脱贫攻坚工作会议上的讲话。")
    assert not is_title("讲话稿。")  # a fragment the scraper broke off a site introduction


def test_headline_followed_by_date_and_source_is_a_title():
    raw = clean_text(
        "2020-07-14\n抓实六大重点扶贫工程坚决打赢脱贫攻坚仗\n  • 2016年02月26日 15时52分\n  • 来源: 攀枝花市府\n"
        "  •   2月25日上午,全市脱贫攻坚工作大会在攀枝花会展中心召开。市委书记张剡出席会议并强调,全市上下要打赢脱贫攻坚仗。"
        + "脱贫攻坚是头等大事,扶贫工作要精准。" * 20
        + "\n抓实六大重点扶贫工程坚决打赢脱贫攻坚仗\n2016年02月26日 15时52分\n来源: 攀枝花市府\n"
        + "脱贫攻坚是头等大事,扶贫工作要精准。" * 20
    )
    parts = split_document(raw)
    assert len(parts) == 2 and all(p.headline for p in parts)
    assert parts[0].title_line == "抓实六大重点扶贫工程坚决打赢脱贫攻坚仗"
    assert parts[0].text.startswith("2016年02月26日")  # the date and 来源 lines stay: identity reads them


# -- document-level evidence: one speech per file unless the file says otherwise --------------------------------

REPORT = (
    "2025年云南省政府工作报告\n来源：北京日报\n——2025年1月18日在云南省第十四届人民代表大会第三次会议上\n省长 王予波\n"
    "各位代表：\n现在，我代表省人民政府，向大会报告工作，请予审议。\n一、2024年工作回顾\n" + BODY + "\n"
    # A report quotes titles and holds many outline headings and several 同志们-like lines; none cut it.
    "二、2025年工作安排\n" + BODY + "\n在全省优化营商环境大会上的讲话\n" + BODY + "\n各位代表：\n" + BODY + "\n"
)


def test_a_report_stays_whole_and_keeps_its_title_line():
    for encoding in ("docx", "utf-8"):
        [part] = split_document(REPORT, encoding)
        assert part.title_line == "2025年云南省政府工作报告"  # the year stays: it is the report's own title
        assert part.start == 0 and part.text.startswith("来源：北京日报")


def test_a_clean_text_with_one_title_and_one_salutation_is_one_speech():
    text = f"在全县脱贫攻坚工作会议上的讲话\n同志们:\n{BODY}\n谢谢大家!\n"
    assert many_speech_evidence(text_lines(text)) is None
    [part] = split_document(text)
    assert part.title_line == "在全县脱贫攻坚工作会议上的讲话"


def test_two_titled_speeches_in_one_text_file_are_split_but_not_in_a_docx():
    text = f"在全县脱贫攻坚工作会议上的讲话\n同志们:\n{BODY}\n在全市教育工作会议上的讲话\n同志们:\n{BODY}\n"
    assert many_speech_evidence(text_lines(text)) == "title lines"
    assert len(split_document(text)) == 2
    assert len(split_document(text, "docx")) == 1


def test_a_page_that_counts_its_pieces_is_split_and_its_introduction_dropped():
    page = (
        "全县脱贫攻坚工作会议讲话稿(模板14篇)\n讲话稿可以帮助演讲者掌握节奏和语气,在演讲中保持自信和魅力。\n"
        f"全县脱贫攻坚工作会议讲话稿\n{BODY}\n周耀宜同志的讲话。\n{BODY}\n"
    )
    assert many_speech_evidence(text_lines(page)) == "page title counts its pieces"
    parts = split_document(page)
    assert len(parts) == 2
    assert all("演讲者" not in p.text for p in parts)  # the site's introduction, by its position


def test_own_title_line_shapes():
    assert is_own_title("2025年上海市政府工作报告")
    assert is_own_title("2014年中华人民共和国国务院政府工作报告")
    assert not is_own_title("各位代表：")
    assert not is_own_title("一、2024年工作回顾")
    assert not is_own_title("现在，我代表省人民政府，向大会报告工作，请予审议。")
    assert not is_own_title("——2025年1月18日在云南省第十四届人民代表大会第三次会议上")


def test_label_text_drops_counts_markers_and_the_upload_year_of_a_counted_page():
    assert label_text("2023年在集團公司疫情防控工作視頻會議上的講話范文(19篇)") == "在集團公司疫情防控工作視頻會議上的講話"
    assert label_text("校车安全管理工作会议上的讲话 篇1") == "校车安全管理工作会议上的讲话"
    assert label_text("2025年上海市政府工作报告") == "2025年上海市政府工作报告"


def test_offsets_point_into_the_cleaned_text():
    body = "全县脱贫攻坚工作要抓实,脱贫攻坚任务要落实到人,脱贫攻坚考核要严格。" * 10
    text = f"全县脱贫攻坚工作会议上的讲话\n同志们:\n{body}\n谢谢!"
    [p] = split_document(text)
    assert text[p.start : p.end].startswith("全县脱贫攻坚工作会议上的讲话")
    assert p.text.startswith("同志们:") and p.title_line == "全县脱贫攻坚工作会议上的讲话"


@pytest.mark.parametrize("name,expected", [
    ("000_33622b377a9301e5.txt", 5), ("002_38b387823ee7f780.txt", 19), ("003_a4ea184099e2ca2f.txt", 2),
    ("004_1ede3f202e9dcf26.txt", 19),
])
def test_seed_pages_split_as_the_gold_says(name, expected):
    # Counts from tests/data/seed_boundaries.json (hand-made); scripts/eval_boundaries.py measures the positions.
    text = clean_text((SEEDS / name).read_text(encoding="utf-8", errors="replace"))
    assert len(split_document(text)) == expected


def test_a_signature_over_its_date_ends_a_speech_instead_of_opening_one():
    # A short line over a date line reads like a news headline; a signature over the date is the speech's sign-off.
    raw = (
        "防汛工作会议讲话(精选2篇)\n"
        f"防汛工作会议讲话 篇1\n在全县防汛工作会议上的讲话\n同志们：\n{BODY}\n"
        "某某县人民政府副县长 王建华\n2022年6月1日\n"
        f"防汛工作会议讲话 篇2\n在全镇防汛工作会议上的讲话\n同志们：\n{BODY}\n"
    )
    parts = split_document(raw)
    assert len(parts) == 2
    assert parts[0].text.endswith("某某县人民政府副县长 王建华\n2022年6月1日")
