"""Speech identity from the text itself, on real lines of both corpora (the provincial reports' headers, the seed
speeches' openings and self-references). Every field read from the text carries its span."""
from __future__ import annotations

import re

import pytest

from jianggao.indexer.identity import (
    disambiguate_titles,
    find_date,
    find_speaker,
    generated_title,
    identify,
    is_traditional,
    library_topics,
    speech_label,
    topic_words,
    tokens,
)
from jianggao.indexer.normalize import normalize
from jianggao.indexer.types import Speech, SpeechMeta

FILLER = "过去一年，全省上下坚持稳中求进工作总基调，高原特色农业加快发展，绿色能源装机规模持续扩大。" * 6

# Header lines of the provincial reports, as the .docx files give them (line breaks kept).
SHANGHAI = "----2025年1月15日龚正市长在上海市第十六届人民代表大会第三次会议的政府工作报告\n来源：解放日报\n各位代表：\n" \
           "  现在，我代表上海市人民政府，向大会报告工作，请予审议。\n"
YUNNAN = "来源：北京日报\n——2025年1月18日在云南省第十四届人民代表大会第三次会议上\n省长 王予波\n各位代表：\n" \
         "现在，我代表省人民政府，向大会报告工作，请予审议，并请省政协委员和列席人员提出意见。\n"
NEIMENGGU = "——2025年1月14日自治区人民政府主席王莉霞在内蒙古自治区第十四届人民代表大会第三次会议上的讲话\n各位代表：\n"
BEIJING = "来源：北京日报\n2025年1月14日在北京市第十六届人民代表大会第三次会议上北京市市长 殷勇同志作政府工作报告。\n各位代表：\n"
XINJIANG = "来源：新疆日报\n2025年1月19日在新疆维吾尔自治区第十四届人民代表大会第三次会议上\n自治区主席 艾尔肯·吐尼亚孜\n各位代表：\n"
NINGXIA = "来源：青海日报\n——2025年1月19日在宁夏回族自治区第十三届人民代表大会第三次会议上\n宁夏回族自治区人民政府主席 张雨浦\n各位代表：\n"
XIZANG = "来源：西藏日报\n——2025年1月19日在西藏自治区第十二届人民代表大会第三次会议上\n西藏自治区代理主席 嘎玛泽登\n各位代表：\n"


def meta_of(header: str, title: str = "") -> tuple[str, SpeechMeta]:
    text = header + FILLER
    return text, identify(text, normalize(text), title)


def spans_hold(text: str, meta: SpeechMeta) -> None:
    """Every span points at text that shows the field (composed values at least at their first part)."""
    for name, (s, e) in meta.spans.items():
        assert 0 <= s < e <= len(text), name
        value = getattr(meta, name)
        value = value[0] if isinstance(value, tuple) else value
        if name == "date":
            assert re.search(r"\d{4}", text[s:e])
        else:
            assert normalize(text[s:e]) in normalize(value) or normalize(value).endswith(normalize(text[s:e])) \
                or normalize(value).startswith(normalize(text[s:e])), (name, text[s:e], value)


@pytest.mark.parametrize("header,title,place,speaker,role,date,meeting", [
    (SHANGHAI, "2025年上海市政府工作报告", "上海市", "龚正", "市长", "2025-01-15", "上海市第十六届人民代表大会第三次会议"),
    (YUNNAN, "2025年云南省政府工作报告", "云南省", "王予波", "省长", "2025-01-18", "云南省第十四届人民代表大会第三次会议"),
    (NEIMENGGU, "2025年内蒙古自治区政府工作报告", "内蒙古自治区", "王莉霞", "主席", "2025-01-14",
     "内蒙古自治区第十四届人民代表大会第三次会议"),
    (BEIJING, "2025年北京市政府工作报告", "北京市", "殷勇", "市长", "2025-01-14", "北京市第十六届人民代表大会第三次会议"),
    (XINJIANG, "2025年新疆政府工作报告", "新疆维吾尔自治区", "艾尔肯·吐尼亚孜", "主席", "2025-01-19",
     "新疆维吾尔自治区第十四届人民代表大会第三次会议"),
    (NINGXIA, "2025年宁夏政府工作报告", "宁夏回族自治区", "张雨浦", "主席", "2025-01-19",
     "宁夏回族自治区第十三届人民代表大会第三次会议"),
    (XIZANG, "2025年西藏政府工作报告", "西藏自治区", "嘎玛泽登", "代理主席", "2025-01-19",
     "西藏自治区第十二届人民代表大会第三次会议"),
])
def test_report_headers(header, title, place, speaker, role, date, meeting):
    text, m = meta_of(header, title)
    assert (m.place, m.speaker, m.role, m.date, m.meeting) == (place, speaker, role, date, meeting)
    assert {"place", "speaker", "role", "date", "meeting"} <= set(m.spans)
    spans_hold(text, m)


def test_body_from_the_speakers_own_words():
    _, m = meta_of(SHANGHAI)
    assert m.body == "上海市人民政府"
    _, m = meta_of(YUNNAN, "2025年云南省政府工作报告")
    assert m.body == "云南省人民政府"  # "我代表省人民政府" + the place the header names
    assert m.origin == "北京日报"


def test_news_article_speaker_date_and_source():
    # Seed 003, lines as the cleaned page has them.
    text = ("2016年02月26日 15时52分\n来源: 攀枝花市府\n2月25日上午,全市脱贫攻坚工作大会在攀枝花会展中心召开。"
            "市委书记张剡出席会议并强调,全市上下要打赢脱贫攻坚仗。\n" + "张剡强调,一要着力抓实基础设施建设。" * 10)
    m = identify(text, normalize(text), "抓实六大重点扶贫工程坚决打赢脱贫攻坚仗")
    assert (m.speaker, m.role, m.date, m.origin) == ("张剡", "市委书记", "2016-02-26", "攀枝花市府")
    assert m.place == "攀枝花市"
    spans_hold(text, m)


def test_self_reference_and_the_name_the_text_uses():
    # Seed 001 (松原市), real lines: "全市" and the city's counties; the city itself named further on.
    text = ("同志们:\n今天召开全市脱贫攻坚推进工作调度会议,主要任务是:临近年终岁尾,系统地盘点一下脱贫攻坚任务的完成情况。\n"
            "刚才,各县(市、区)的负责同志分别对本地区的脱贫攻坚情况、存在问题和20**年工作安排作了详细汇报。同时,长岭县顺山村、"
            "扶余市万发镇、乾安县岁字村、市教育局、郭尔罗斯农商行作了典型发言。\n" + FILLER
            + "三是组建松原市棚膜经济投资建设公司。\n对扶贫开发所贷款项,松原市与各县(市、区)共同给予贴息支持。\n")
    m = identify(text, normalize(text))
    assert m.meeting == "全市脱贫攻坚推进工作调度会议"
    assert m.place == "松原市"
    spans_hold(text, m)


def test_a_place_inside_our_province_is_not_ours():
    # Seed 004 (日照 is where cases were reported, not the city that holds the meeting).
    text = ("同志們:\n今晚,我們緊急召開全市新冠肺炎疫情防控工作視頻會議。主要任務是,分析當前嚴峻的疫情防控形勢。\n"
            "近期國內多地出現聚集性疫情,我省日照市報告多例本土病例,全市各級各單位要切實提高認識。\n" + FILLER)
    m = identify(text, normalize(text))
    assert m.place is None
    assert m.meeting == "全市新冠肺炎疫情防控工作視頻會議"  # shown in the speech's own script


def test_a_place_named_once_in_passing_is_not_the_speakers():
    # Seed 000: the speech tells of an accident in 江西贵溪滨江乡 (further down) but speaks for "全乡" without naming
    # it; the speaker introduces the body they speak for.
    opening = "大家好:\n我是**派出所。今天在这里召开全乡校车工作座谈会,是贯彻落实国务院和省市县关于加强中小学校交通安全管理工作的一次重要会议。\n"
    text = opening + FILLER + "\n大家都知道,去年12月24日上午9时左右,江西贵溪滨江乡洪塘村发生一起幼儿园班车侧翻事故。\n" + FILLER
    m = identify(text, normalize(text))
    assert m.place is None
    assert m.body == "**派出所"
    assert m.meeting == "全乡校车工作座谈会"


def test_placeholders_never_become_a_date():
    for title in ("在20xx年秋季开学工作会议上的讲话", "在20XX年水务脱贫攻坚大会上的讲话"):
        text = "同志们:\n我们今天在这里召开20xx年秋季开学工作会议。\n" + FILLER
        assert find_date(normalize(text), title) is None
    # A month and day without a year stays unknown; a year alone is kept as a year.
    text = "2月25日上午,全市脱贫攻坚工作大会召开。\n" + FILLER
    assert find_date(normalize(text)) is None
    assert find_date(normalize(FILLER), "2014年政府工作报告").value == "2014"
    assert find_date(normalize("2019年3月\n" + FILLER)).value == "2019-03"


def test_topics_are_real_topics():
    text = ("残疾人辅助器具服务体系要健全。辅助器具适配要精准,辅助器具资助政策要落实。你们要关心残疾人,我们要做好工作,"
            "同志们要解决问题。残疾人康复服务要加强,辅助器具产业要发展。") * 3
    topics = [w for w, _ in topic_words(tokens(normalize(text)), normalize(text))]
    assert "辅助器具" in topics and "残疾人" in topics
    for bad in ("你们", "我们", "工作", "问题", "同志", "同志们", "器具", "辅助"):
        assert bad not in topics


def _report(sid: str, own: str) -> Speech:
    # Every report says 深化改革 and 高质量发展 at length; each has one subject of its own, said a few times.
    text = ("各位代表:\n" + "深化改革,推动高质量发展,深化开放,实现高质量发展。" * 6
            + f"大力发展{own}产业,{own}基地建设加快,{own}品牌叫响全国。" + "坚持稳中求进,做好各项工作。" * 4)
    norm = normalize(text)
    return Speech(id=sid, source=f"{sid}.txt", order=0, start=0, end=len(text), title=sid, page_title="",
                  text=text, norm=norm, meta=identify(text, norm))


def test_library_topics_tell_the_speeches_apart():
    own = ("冰雪", "稀土", "茶叶", "葡萄酒")
    speeches = [_report(f"r{i}", w) for i, w in enumerate(own)]
    assert any("高质量" in s.meta.topics for s in speeches)  # each speech alone: what it says most
    library_topics(speeches)
    for s, w in zip(speeches, own):
        assert s.meta.topics[0] == w, s.meta.topics  # its own subject first
        assert "高质量" not in s.meta.topics  # every report says it: no topic of any one
        start, end = s.meta.spans["topics"]
        assert s.text[start:end] == w


def test_library_topics_of_one_speech_are_its_own():
    speech = _report("r0", "冰雪")
    before = speech.meta.topics
    library_topics([speech])
    assert speech.meta.topics == before


def test_an_organisation_is_not_joined_into_a_topic():
    text = ("同志们:\n" + "省民政厅脱贫攻坚工作要抓实。民政厅脱贫攻坚任务很重。困难群众要兜底保障。" * 3) + SEED_FILLER
    topics = [w for w, _ in topic_words(tokens(normalize(text)), normalize(text))]
    assert "脱贫攻坚" in topics and not any("民政厅脱贫攻坚" in t for t in topics)


def test_generated_titles_keep_the_script_of_the_speech():
    simplified = "现在，我代表省人民政府，向大会报告工作。" + FILLER  # full-width punctuation is not Traditional
    assert not is_traditional(simplified, normalize(simplified))
    m = SpeechMeta(topics=("高原特色农业", "绿色能源"))
    assert generated_title(simplified, normalize(simplified), m) == "关于高原特色农业、绿色能源的讲话"
    trad = "計劃生育是我國的基本國策,做好人口和計劃生育工作意義重大。" * 5
    assert is_traditional(trad, normalize(trad))
    assert generated_title(trad, normalize(trad), SpeechMeta(meeting="全市人口和計劃生育工作視頻會議")) == \
        "在全市人口和計劃生育工作視頻會議上的講話"


def _speech(sid: str, title: str, **meta) -> Speech:
    return Speech(id=sid, source="x.txt", order=0, start=0, end=1, title=title, page_title="", text="正文",
                  norm="正文", meta=SpeechMeta(**meta))


def test_shared_titles_are_told_apart_by_what_differs():
    a = _speech("a", "全县脱贫攻坚工作会议讲话稿", place="紫阳县", body="县委、县政府")
    b = _speech("b", "全县脱贫攻坚工作会议讲话稿", place="商州区", body="县委、县政府")
    c = _speech("c", "全县脱贫攻坚工作会议讲话稿", body="县委、县政府")
    copy = _speech("d", "另一个标题", place="紫阳县")
    copy.canonical_id = "a"
    speeches = [a, b, c, copy]
    disambiguate_titles(speeches)
    titles = [s.title for s in (a, b, c)]
    assert len(set(titles)) == 3
    assert titles[0] == "全县脱贫攻坚工作会议讲话稿（紫阳县）" and titles[1] == "全县脱贫攻坚工作会议讲话稿（商州区）"
    assert copy.title == a.title
    disambiguate_titles(speeches)  # idempotent: starts again from the base titles
    assert [s.title for s in (a, b, c)] == titles


def test_speech_label():
    s = _speech("a", "2025年上海市政府工作报告", place="上海市", date="2025-01-15", speaker="龚正",
                meeting="上海市第十六届人民代表大会第三次会议")
    assert speech_label(s) == "上海市 · 2025-01-15 · 龚正"
    s = _speech("b", "全县脱贫攻坚工作会议讲话稿", place="紫阳县", meeting="脱贫攻坚工作会议")
    assert speech_label(s) == "紫阳县 · 脱贫攻坚工作会议"
    assert speech_label(_speech("c", "关于校车安全的讲话")) == "关于校车安全的讲话"


def test_old_records_load():
    meta = SpeechMeta.from_json({"date": "2016年02月26日", "place": None, "origin": "x", "unknown": 1})
    assert meta.topics == () and meta.spans == {} and meta.origin == "x"
    meta = SpeechMeta.from_json({"topics": ["a"], "spans": {"place": [1, 3]}})
    assert meta.topics == ("a",) and meta.spans == {"place": (1, 3)}


def test_speeches_json_gives_the_identity_fields(tmp_path, capsys):
    import json

    from jianggao.ui.cli import main

    (tmp_path / "report.txt").write_text("2025年云南省政府工作报告\n" + YUNNAN + FILLER, encoding="utf-8")
    assert main(["speeches", "--json", str(tmp_path)]) == 0
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    meta = row["meta"]
    assert {k: meta[k] for k in ("place", "body", "speaker", "role", "date")} == {
        "place": "云南省", "body": "云南省人民政府", "speaker": "王予波", "role": "省长", "date": "2025-01-18"}
    assert meta["meeting"] == "云南省第十四届人民代表大会第三次会议" and meta["topics"]
    assert set(meta["spans"]) >= {"place", "speaker", "date", "meeting"}
    assert row["title"] == "2025年云南省政府工作报告"
    assert row["label"] == "云南省 · 2025-01-18 · 王予波"


def test_cli_rejects_a_bad_year(capsys):
    from jianggao.ui.cli import main

    assert main(["search", "--year", "25", "扶贫"]) != 0
    err = capsys.readouterr().err
    assert "four digits" in err and "Traceback" not in err


# -- place / body signals added for speeches that name themselves only indirectly (seed lines) ------------------
SEED_FILLER = "要坚持问题导向，压实工作责任，确保各项任务落到实处，让群众满意。" * 8


def test_body_from_representing_a_federation():
    text = ("亲爱的全体同志:\n你们好!\n欣闻你们在南美洲巡演取得了圆满成功,我非常高兴!在此,我代表中国残疾人联合会"
            "并以我个人的名义向你们表示热烈的祝贺!\n" + SEED_FILLER)
    meta = identify(text)
    assert meta.body == "中国残疾人联合会"
    s, e = meta.spans["body"]
    assert text[s:e] == "中国残疾人联合会"


def test_body_from_representing_is_read_beyond_the_opening():
    text = SEED_FILLER * 3 + "在此,我代表教育局向在座的各位并通过你们向全县教职工表示感谢。\n"
    assert identify(text).body == "教育局"


def test_bare_level_represented_is_not_a_named_body():
    text = "这次会议很重要。" + SEED_FILLER + "我代表市政府向大家表示衷心感谢!全市上下要努力。我市要抓落实。市委要求。\n"
    assert identify(text).body in (None, "市委、市政府")


def test_body_from_calling_the_organ_its_own():
    text = ("今年春季学期于2月9日正式上课,关于开学的有关准备工作,教育局已经下发了专门的文件,请大家按照文件要求抓好落实。\n"
            + SEED_FILLER + "局里将派出人员进行专项督查,以督促学校工作迅速进入状态。\n")
    meta = identify(text)
    assert meta.body == "教育局"
    s, e = meta.spans["body"]
    assert text[s:e] == "教育局"


def test_ben_ju_inside_a_word_is_no_self_reference():
    text = "形成了基本局面,教育局已经下发了专门的文件。" + SEED_FILLER
    assert identify(text).body is None


def test_body_from_the_organisation_whose_meeting_it_is():
    text = ("同志们,今天我们召开民政厅脱贫攻坚工作专题会。刚才,四个驻村工作队作了交流发言,下面由我作简要总结。\n"
            + SEED_FILLER)
    assert identify(text).body == "民政厅"


def test_a_level_convening_the_meeting_is_not_the_body():
    text = "刚才召开的省委第三次专题会议,x书记、x省长就疫情防控现在的形势说得非常清楚。\n" + SEED_FILLER
    assert identify(text).body is None


def test_place_name_the_dictionary_does_not_know_recurs_with_its_level():
    text = ("受单位委派,我成为市派驻敖汉旗脱贫攻坚推进组成员,派驻古鲁板蒿镇任党委副书记、脱贫攻坚工作队长。\n"
            + SEED_FILLER + "在与古鲁板蒿镇奋战在脱贫攻坚一线同志们的相处中,全镇干部群众给了我很大帮助。\n"
            + "对古鲁板蒿镇脱贫攻坚工作开展情况做了梳理。\n")
    meta = identify(text)
    assert meta.place == "古鲁板蒿镇"
    s, e = meta.spans["place"]
    assert text[s:e] == "古鲁板蒿镇"


def test_ordinary_words_before_a_level_are_no_place():
    text = ("全县上下要举全县之力,我县贫困地区和重点镇要走在全县前列。" + SEED_FILLER
            + "举全县之力抓好贫困地区和重点镇,我县示范县创建要走在全县前列。\n")
    assert identify(text).place is None


def test_a_place_of_a_level_the_speech_seldom_speaks_for_is_not_its_own():
    text = ("同志们:\n这次会议是春节后召开的第三次全县性脱贫攻坚专题会议,全县上下要高度重视。\n" + SEED_FILLER
            + "全县各乡镇、我县各部门要落实。全县要抓紧。我县要压实责任。全州都在看。\n"
            + "最近,省委针对甘孜州多县贫困人口识别不准等问题,给予甘孜州扶贫移民局通报批评。\n")
    assert identify(text).place is None


def test_a_place_in_an_address_is_not_the_speaker():
    # Seed 004 (an education speech of a city with districts and counties): the town's address is where schools
    # were damaged.
    text = ("各位领导,同志们:\n受疫情、灾情双重影响,今年我们正面临前所未有的考验。全市有1470所学校因特大暴雨不同程度受损,"
            "荥阳市汜水镇有3所学校今年秋季已不具备开学条件。\n" + SEED_FILLER + "我市要抓落实,全市各学校要做好准备。\n")
    assert identify(text).place is None


def test_an_abbreviation_before_a_province_is_no_place():
    # A provincial report without its title: "延包整省试点" (a pilot run province-wide) is not a province's name.
    text = ("我省稳妥推进第二轮土地承包到期后再延长30年试点,开展延包整省试点。\n" + SEED_FILLER
            + "延包整省试点要稳步推进,全省上下要压实责任,我省要抓好落实。\n")
    assert identify(text).place is None


# -- who speaks, read from the grammar of the speech (seed lines): a department's report, the level called ours,
# a cited organisation, an address, the area above ------------------------------------------------------------
def test_body_of_a_department_reporting_its_own_work():
    text = ("各位领导、同志们:\n根据会议安排,下面,我就民政部门如何完成脱贫攻坚年度任务作简要发言。\n"
            + SEED_FILLER + "今年,民政部门将与乡镇一道继续加大对全县低保对象的清理复查力度。\n")
    meta = identify(text)
    assert meta.body == "民政部门"
    s, e = meta.spans["body"]
    assert text[s:e] == "民政部门"


def test_a_topic_announced_is_not_a_body():
    text = "同志们:\n下面,我就全县教育工作讲几点意见。\n" + SEED_FILLER
    assert identify(text).body == "县（未具名）"  # the topic names no body; its scope gives the level only
    text = "同志们:\n下面,我就县委关于脱贫攻坚的决定作说明。\n" + SEED_FILLER  # an explanation, not a report
    assert identify(text).body is None
    for line in ("下面,我就今年的中心工作作个汇报。", "下面,我就这次会议中心工作作简要发言。"):  # 中心工作 is a phrase
        assert identify("同志们:\n" + line + "\n" + SEED_FILLER).body is None


def test_a_level_called_ours_without_its_name_or_organs():
    text = ("同志們:\n剛才,xx在視頻工作會議上對做好水土保持工作作了全面部署,扎實做好我區水土保持工作。\n"
            "目前我區水土流失面積為xx公頃。" + SEED_FILLER + "全區各鎮街、區直相關單位要認真學習。\n")
    meta = identify(text)
    assert meta.place is None and meta.body == "区（未具名）"  # stated as a level, the name left unknown
    s, e = meta.spans["body"]
    assert text[s:e] == "我區"


def test_one_level_said_once_as_scope_or_ours_is_the_level_addressed():
    # A short speech that names one level only, as the scope of its work or as ours, speaks at that level: the
    # level is stated, its name is not.
    meta = identify("各位同志:\n齐心协力开创全县教育事业的新局面。\n" + SEED_FILLER)
    assert meta.place is None and meta.body == "县（未具名）"
    assert identify("各位同志:\n我县教育事业取得新进展。\n" + SEED_FILLER).body == "县（未具名）"


def test_one_mention_says_no_body_when_another_level_or_a_blank_is_there():
    # Two levels named once each: which one speaks is not said.
    assert identify("各位同志:\n开创全县教育事业的新局面,在全省争先进位。\n" + SEED_FILLER).body is None
    # 本县 alone also means "each county's own" (根据本县实际).
    assert identify("各位同志:\n各地要根据本县实际抓好落实。\n" + SEED_FILLER).body is None
    # A template that leaves the speaker's own level blank (我省和我------): the stated level may be the one above.
    text = "按照通知要求,汇报如下。\n部分干部对我省和我------脱贫攻坚的艰巨性认识不深。\n" + SEED_FILLER
    assert identify(text).body is None


def test_the_levels_committee_written_with_party():
    text = ("今天在这里召开全镇校车整治工作专题会议。下面,我根据镇党委、政府的意见,提几点看法。\n" + SEED_FILLER
            + "全镇未发生一起学校交通安全事故。\n")
    assert identify(text).body == "镇党委"


def test_an_organisation_named_in_quotes_is_cited_not_speaking():
    # A town official presents the bus company to parents: its name in quotes twice, the town called 我镇.
    # (The company's name here is made up: the pattern is the seed's, the name is not.)
    text = ("名位家长朋友们:\n今天召开全镇校车整治工作专题会议。中心学校校长也代表“安顺通达客运公司”向大家介绍了"
            "校车公司化运营模式。\n随着我镇经济社会的快速发展," + SEED_FILLER
            + "经市政府批准,“安顺通达客运公司”已正式成立。全镇未发生一起学校交通安全事故。\n")
    assert "公司" not in (identify(text).body or "")


def test_a_place_written_as_an_address_is_not_counted_later_either():
    text = ("各位领导,同志们:\n全市有1470所学校因特大暴雨不同程度受损,新郑市龙湖镇有3所学校今年秋季暂不能如期开学。\n"
            + SEED_FILLER + "我市共有1470所学校受损,新郑市有3所学校受灾。全市各学校要做好准备。\n")
    assert identify(text).place is None


def test_the_area_above_a_city_is_not_its_place():
    text = ("同志们:\n根据会议安排,下面我对三年医改工作进行简要总结。全市上下紧紧围绕五项重点任务,率先在全省设立了医改办。\n"
            + SEED_FILLER + "我市代表吉林省迎接卫生部考核,得到了国家的认可并代表吉林省在国家相关会议上作经验介绍。"
            "我市超额完成全科医生培养任务。全省都在看,全省要学习。\n")
    assert identify(text).place is None


def test_topics_are_not_repeated():
    # "疫情防控" is a dictionary word and also the join of 疫情 + 防控, which the text writes apart more often.
    text = ("我省日照市报告多例本土病例,本轮疫情形势严峻,疫情就是命令。疫情发生后要快速处置,对来自疫情地区人员全部排查,"
            "疫情信息要及时发布,疫情面前人人有责。确保疫情防控到位,抓紧抓实疫情防控。各单位要严格防控,"
            "防控措施要落实,防控力量要充实。核酸检测要扩面,核酸检测要提速。") * 2
    topics = [w for w, _ in topic_words(tokens(normalize(text)), normalize(text))]
    assert "疫情防控" in topics and len(topics) == len(set(topics))


def test_an_unnamed_level_is_flattened_inside_a_title():
    a = _speech("a", "在全区工作会议上的讲话", body="区（未具名）")
    b = _speech("b", "在全区工作会议上的讲话", body="区委、区政府")
    disambiguate_titles([a, b])
    assert a.title == "在全区工作会议上的讲话（区，未具名）" and b.title == "在全区工作会议上的讲话（区委、区政府）"


def test_a_batch_is_told_apart_from_the_titles_the_library_holds():
    # A segmented library adds speeches in batches; the titles of earlier segments stay as they are.
    held = ["全县脱贫攻坚工作会议讲话稿", "全县脱贫攻坚工作会议讲话稿（之二）", "在全市工作会议上的讲话"]
    named = _speech("a", "全县脱贫攻坚工作会议讲话稿", place="紫阳县")
    bare = _speech("b", "全县脱贫攻坚工作会议讲话稿")
    own = _speech("c", "2025年上海市政府工作报告", place="上海市")
    disambiguate_titles([named, bare, own], others=held)
    assert named.title == "全县脱贫攻坚工作会议讲话稿（紫阳县）"
    assert bare.title == "全县脱贫攻坚工作会议讲话稿（之三）"  # the library holds the plain title and "之二"
    assert own.title == "2025年上海市政府工作报告"  # nothing in the library holds it: unchanged
    assert len({s.title for s in (named, bare, own)} | set(held)) == 6


def test_a_speech_signed_at_its_end_gives_speaker_role_and_date():
    text = f"在全县秋季农业生产工作会议上的讲话\n同志们：\n{FILLER}\n{FILLER}\n某某县人民政府副县长 王建华\n2022年9月6日\n相关推荐："
    meta = identify(text)
    assert (meta.speaker, meta.role, meta.date) == ("王建华", "副县长", "2022-09-06")
    assert text[slice(*meta.spans["speaker"])] == "王建华"
    # A name in the closing paragraph's sentences (past the opening, which is read for names) is no signature.
    said = f"同志们：\n{FILLER * 3}\n会上，县长李明强同志作了重要讲话，大家要认真贯彻落实。"
    assert find_speaker(normalize(said)) is None


@pytest.mark.parametrize("line, value", [
    ("二〇二一年三月九日", "2021-03-09"), ("二○二四年十二月三十一日", "2024-12-31"), ("二〇一九年十月二十日", "2019-10-20"),
])
def test_dates_in_chinese_numerals(line, value):
    assert find_date(f"压实责任 守牢底线\n——在全县安全生产工作会议上的讲话\n县长 张某某\n{line}\n同志们：\n{FILLER}").value == value


def test_a_web_page_date_gives_way_to_the_date_the_text_states():
    header = "在全市招商引资工作大会上的讲话\n来源：市政府办公室 发布时间：2023-04-06 浏览次数：1875\n同志们："
    closing = "（本文系市长郑某某2023年4月3日在全市招商引资工作大会上的讲话，有删节）"
    meta = identify(f"{header}\n{FILLER}\n{FILLER}\n{closing}")
    assert (meta.date, meta.speaker, meta.role) == ("2023-04-03", "郑某某", "市长")
    assert identify(f"{header}\n{FILLER}\n{FILLER}").date == "2023-04-06"  # stated nowhere else: the page's date


@pytest.mark.parametrize("line, role, name", [
    ("市委副书记、市长 王海平", "市委副书记、市长", "王海平"), ("党委书记、董事长 李建国", "党委书记、董事长", "李建国"),
])
def test_offices_held_together_sign_as_one_role(line, role, name):
    meta = identify(f"以创新引领发展\n——在全市科技大会上的讲话\n{line}\n2024年5月30日\n同志们：\n{FILLER}")
    assert (meta.role, meta.speaker, meta.date) == (role, name, "2024-05-30")
