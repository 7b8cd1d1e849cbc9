"""jianggao.qa.question: answer types from general question patterns, and key-term coverage, on made-up
questions (none from the eval sets)."""
from __future__ import annotations

import pytest

from jianggao.indexer.segment import pos_tag
from jianggao.qa.question import (
    FigureAsk,
    KeyTerm,
    abbreviation_in,
    answer_type,
    asked_level,
    asked_list_class,
    asked_measure,
    asked_org_suffixes,
    asked_subjects,
    asked_date_subject,
    figure_asks,
    is_place_name,
    list_of_class,
    coverage,
    figures,
    is_question_word,
    key_terms,
    specific_terms,
    type_match,
    unmatched_modifiers,
    weighted_share,
)


@pytest.mark.parametrize("question, expected", [
    ("这座水库的库容有多少立方米", "quantity"),
    ("新建了几所幼儿园", "quantity"),
    ("粮食产量增长了百分之几", "quantity"),
    ("这条铁路哪一年通车", "date"),
    ("改革方案什么时候出台", "date"),
    ("博览会在哪里举办", "place"),
    ("试点选在哪个城市", "place"),
    ("牵头负责的是哪个部门", "organisation"),
    ("项目由哪家企业承建", "organisation"),
    ("大会的主持人是谁", "person"),
    ("有哪些惠民措施", "list"),
    ("包括哪几个方面", "list"),
    ("什么是新质生产力", "other"),
    ("为什么要发展低空经济", "reason"),
    ("如何推进城市更新", "other"),
    ("几乎所有乡镇都通了公交吗", "other"),  # 几乎 is not 几
])
def test_answer_type_from_general_question_words(question, expected):
    assert answer_type(question) == expected


def test_figures_leave_years_and_articles_out():
    assert figures("2023年新增就业12.5万人，增长6%") == ["12.5万", "6%"]
    assert figures("建成三座桥梁") == ["三座"]  # a Chinese numeral with a classifier
    assert figures("这是一个好消息") == []  # 一个 is an article


def test_how_many_people_is_a_count_of_people_not_of_anything_counted_with_ge():
    q = "每个村至少要有几个人担任联络员？"
    assert type_match("每个村至少有2个人担任联络员", "quantity", q) == 1.0
    assert type_match("每个村至少有2名联络员", "quantity", q) == 1.0
    assert type_match("每个乡抽查3个村", "quantity", q) == 0.0  # 个 of villages, not of people


def test_a_unit_does_not_run_into_the_next_number():
    # 十二届 and 六次 are two figures: the session's ordinal is asked with its own classifier
    assert type_match("落实县委十二届六次全会部署", "quantity", "落实县委十二届第几次全会部署？") == 1.0


def test_a_span_of_years_in_chinese_numerals_after_a_word_of_duration_is_a_figure():
    assert figures("林地承包期再延长三十年") == ["三十年"]
    assert figures("连续五年保持增长") == ["五年"]
    assert figures("实施治污三年行动") == []  # a plan's name, no count of years without a word of duration
    assert figures("二〇二四年全市工作") == []  # a year written in numerals is a date
    assert figures("三年级学生和八十年代建的校舍") == []  # a grade, a decade
    assert type_match("林地承包期再延长三十年", "quantity", "林地承包期再延长几年？") == 1.0


def test_type_match_needs_a_new_answer_of_the_kind_asked():
    assert type_match("全年新增就业12.5万人", "quantity") == 1.0
    assert type_match("就业形势总体稳定", "quantity") == 0.0
    assert type_match("2023年实现增长", "quantity", "2023年增长多少") == 0.0  # the year is not the figure
    assert type_match("工程于2026年6月建成", "date") == 1.0
    assert type_match("工程于2026年建成", "date", "2026年的工程何时建成") == 0.0  # only the year already given
    assert type_match("论坛在青岛市举办", "place") == 1.0
    assert type_match("论坛在青岛市举办", "place", "青岛市的论坛在哪里举办") == 0.0
    assert type_match("由市交通运输局牵头", "organisation") == 1.0
    assert type_match("一是稳就业；二是保民生；三是促消费", "list") == 1.0
    assert type_match("要稳就业", "list") == 0.0
    assert type_match("任何文字", "other") == 1.0
    tags = lambda text: [("李明", "nr")] if "李明" in text else []  # noqa: E731
    assert type_match("会议由李明主持", "person", tag=tags) == 1.0
    assert type_match("会议由他主持", "person", tag=tags) == 0.0


def test_specific_terms_are_years_numbers_quotes_and_names():
    tags = lambda text: [("青岛市", "ns")] if "青岛市" in text else []  # noqa: E731
    got = dict(specific_terms("2026年青岛市《海洋强市规划》提出的3个目标", tag=tags))
    assert "2026" in got and "3" in got and "海洋强市规划" in got
    assert got["青岛市"] == ("青岛",)  # counts without its administrative suffix too


def test_an_ordinal_in_chinese_numerals_is_specific_and_matches_its_digit_form():
    from jianggao.qa.question import chinese_number

    assert [chinese_number(x) for x in ("三", "十", "十四", "二十", "二十三", "零", "十十", "百")] == \
        [3, 10, 14, 20, 23, None, None, None]
    got = dict(specific_terms("第十二届运动会的第二批场馆有几座"))
    assert got == {"第十二届": ("第12届",), "第二批": ("第2批",)}
    terms = [KeyTerm("第十二届", 5.0, True, ("第12届",))]
    assert coverage("第12届运动会场馆", terms).missing_specific == []
    assert coverage("第十一届运动会场馆", terms).missing_specific == ["第十二届"]  # another session: not the asked one
    assert specific_terms("第一线的工作有哪些") == []  # no counter after the numeral: not an ordinal of a session


def test_key_terms_weigh_rare_words_more_and_drop_question_words():
    df_table = {"港口": 2, "建设": 900, "2026": 0}
    terms = key_terms("2026年港口建设有多少", ["2026", "港口", "建设", "多少"],
                      lambda ts: {t: df_table.get(t, 0) for t in ts}, 1000)
    by = {t.term: t for t in terms}
    assert "多少" not in by and by["2026"].specific and not by["港口"].specific
    assert by["港口"].weight > by["建设"].weight
    assert is_question_word("哪些") and is_question_word("多少") and not is_question_word("港口")


def test_coverage_reports_covered_missing_and_missing_specific_terms():
    terms = [KeyTerm("港口", 3.0, False), KeyTerm("2026", 5.0, True), KeyTerm("青岛市", 4.0, True, ("青岛",)),
             KeyTerm("建设", 0.5, False)]
    cov = coverage("青岛港口建设加快推进", terms)
    assert cov.covered == ["港口", "青岛市", "建设"] and cov.missing == ["2026"]
    assert cov.missing_specific == ["2026"]
    assert cov.share == pytest.approx(7.5 / 12.5)
    assert coverage("任何文字", []).share == 0.0
    assert weighted_share("全国有354万户", {"全国": 2.0, "农村": 1.0}) == pytest.approx(2 / 3)


def test_a_figure_question_with_a_unit_wants_a_figure_in_that_unit():
    from jianggao.qa.question import asked_unit

    assert asked_unit("建成多少座桥梁") == "座" and asked_unit("增长了几个百分点") == "个百分点"
    assert asked_unit("总产值是多少") == ""
    assert type_match("全年建成桥梁12座", "quantity", "建成多少座桥梁") == 1.0
    assert type_match("全年完成投资12亿元", "quantity", "建成多少座桥梁") == 0.0  # a figure, but not of bridges
    assert type_match("粮食产量1.2万吨", "quantity", "粮食产量多少吨") == 1.0
    assert type_match("建成一座桥", "quantity", "建成多少座桥梁") == 0.0  # 一座 is an article here


def test_a_date_question_wants_a_date_as_fine_as_it_asks():
    assert type_match("大桥于2027年5月20日通车", "date", "大桥在哪一天通车") == 1.0
    assert type_match("大桥于2027年通车", "date", "大桥在哪一天通车") == 0.0  # a year does not give the day
    assert type_match("大桥于2027年通车", "date", "大桥在2027年的哪一天通车") == 0.0
    assert type_match("大桥计划9月通车", "date", "大桥计划几月通车") == 1.0
    assert type_match("大桥计划今年通车", "date", "大桥计划几月通车") == 0.0
    assert type_match("大桥于2027年通车", "date", "大桥哪一年通车") == 1.0


def test_a_number_name_is_not_a_date():
    # 一号工程 / 一号文件 / a variety 青薯9号 / 3号线 are names; a day needs a month, 日, or a 号 no word runs into.
    assert type_match("全力推进港口“一号工程”", "date", "港口工程何时完工") == 0.0
    assert type_match("定于8号开工", "date", "工程何时开工") == 1.0
    assert type_match("新品种青薯9号亩产创新高", "date", "新品种何时推广") == 0.0
    assert type_match("地铁3号线开通运营", "date", "地铁何时开通") == 0.0
    assert type_match("大会于15日闭幕", "date", "大会何时闭幕") == 1.0


def test_a_figure_question_without_a_unit_reads_what_it_measures():
    # Sentences and questions written for the test.
    assert asked_measure("全市去年投入了多少资金改造老旧小区") == "money"
    assert asked_measure("新区的总投资是多少") == "money"
    assert asked_measure("社会消费品零售额是多少") == "money"
    assert asked_measure("全县财政收入增长多少") == "rate"  # a rate word wins: 增长多少 asks a rate
    assert asked_measure("全市生产总值的增长目标是多少") == "rate"  # so does 增长目标是多少
    assert asked_measure("全市财政收入要增长到多少") == "money"  # growing *to* a figure: the amount itself
    assert asked_measure("居民消费价格涨幅是多少") == "rate"  # 涨幅 / 降幅 are rates, whatever they are of
    assert asked_measure("能耗占地区生产总值的比重是多少") == "rate"  # 占地区… is no area (占地)
    assert asked_measure("全市养老金开户数有多少") == "amount"  # the measure word nearest the interrogative
    assert type_match("培育产值超500亿的产业集群", "quantity", "产业集群产值超过多少") == 1.0  # 亿 without 元
    assert type_match("开户数近1800万", "quantity", "产业集群产值超过多少") == 0.0  # a bare 万 is no sum of money
    assert asked_measure("清洁能源占多少") == "rate"
    assert asked_measure("森林覆盖率达到多少") == "rate"
    assert asked_measure("风电机组单机功率有多大") == ""  # 功率 is power, not a ratio
    assert asked_measure("全县有多少所学校") == ""
    assert asked_measure("名额有多少") == ""
    money_q, rate_q = "改造供水管网投入了多少资金", "清洁能源装机占多少"
    assert type_match("改造供水管网300公里，惠及5万户", "quantity", money_q) == 0.0  # figures, but none in 元
    assert type_match("改造供水管网投入资金1.2万亿元", "quantity", money_q) == 1.0  # 万亿: a scale of two words
    assert type_match("投入资金2.5亿元改造供水管网", "quantity", money_q) == 1.0
    assert type_match("清洁能源装机1200万千瓦", "quantity", rate_q) == 0.0
    assert type_match("清洁能源装机比重达到62.5%", "quantity", rate_q) == 1.0
    assert type_match("清洁能源装机比重提高3个百分点", "quantity", rate_q) == 1.0
    assert type_match("全年新增就业12.5万人", "quantity", "新增就业多少") == 1.0  # nothing said: any figure


def test_an_amount_is_not_answered_by_its_growth():
    # Sentences and questions written for the test.
    assert asked_measure("油田的年产油量是多少") == "amount"
    assert asked_measure("全县有多少所学校") == ""  # a unit is asked: the unit decides
    assert asked_measure("粮食产量增长多少") == "rate"  # rate words first
    assert asked_measure("产品质量提高了多少") == ""  # 质量 is quality, not an amount
    q = "新建油田的年产油量是多少"
    assert type_match("新建油田投产，工业增加值增长8.2%", "quantity", q) == 0.0
    assert type_match("新建油田投产，年产原油120万吨", "quantity", q) == 1.0


def test_a_figure_must_stand_in_a_sentence_about_what_is_asked():
    from jianggao.qa.question import binding_terms

    terms = [KeyTerm("城区", 3.0, False), KeyTerm("污水", 4.0, False), KeyTerm("管网", 4.0, False),
             KeyTerm("投资", 2.0, False), KeyTerm("2023", 3.0, True), KeyTerm("江城市", 5.0, True, ("江城",))]
    bind = binding_terms(terms, naming_run="江城")
    assert bind == ["城区", "污水", "管网", "投资"]  # no number, no place name
    q = "江城市城区污水管网改造总投资是多少"
    # A figure in 元 in a sentence about something else does not answer; in a sentence about the pipes it does.
    text = "全市完成国有资本收益12.4亿元。城区污水管网改造全面启动。"
    assert type_match(text, "quantity", q, bind=bind) == 0.0
    assert type_match(text, "quantity", q) == 1.0  # without binding terms any figure of the kind answers
    assert type_match("城区污水管网改造完成投资3.6亿元。", "quantity", q, bind=bind) == 1.0
    # A figure that carries the unit asked is bound by it.
    assert type_match("全年新建公园12座。", "quantity", "城区新建了多少座口袋公园", bind=["口袋", "公园", "城区新建"]) == 1.0


def test_how_long_wants_a_span_of_time_and_list_numbers_count_nothing():
    q = "检查组多久开展一次安全检查"
    assert asked_measure(q) == "duration"
    assert type_match("检查组每季度开展一次安全检查", "quantity", q) == 1.0
    assert type_match("检查组检查了35家企业", "quantity", q) == 0.0
    assert type_match("检查组检查周期为3个月", "quantity", q) == 1.0
    # the number of a list item is no figure
    q2 = "走访时每户发多少慰问金"
    assert asked_measure(q2) == "money"  # 慰问金, 救助金, 拨款: words of money
    assert type_match("4、开展走访慰问。要走家入户，嘘寒问暖。", "quantity", "走访了多少户") == 0.0
    assert type_match("要走访慰问120户", "quantity", "走访了多少户") == 1.0
    assert asked_measure("金融机构有多少家") == ""  # 金融 is no money word


def test_area_length_and_per_head_questions():
    from jianggao.qa.question import per_unit_kind

    assert asked_measure("产业园的规划面积有多大") == "area"
    assert type_match("产业园启动建设、签约项目163个", "quantity", "产业园的规划面积有多大") == 0.0
    assert type_match("产业园规划面积12.5平方公里", "quantity", "产业园的规划面积有多大") == 1.0
    assert asked_measure("新修公路的里程是多少") == "length"
    assert type_match("新修公路通车，惠及群众3万人", "quantity", "新修公路的里程是多少") == 0.0
    assert type_match("新修公路120公里", "quantity", "新修公路的里程是多少") == 1.0
    assert per_unit_kind("每人最高能救助多少钱") == "人"
    assert per_unit_kind("户均增收多少元") == "户"
    assert per_unit_kind("救助基金总共多少钱") == ""
    q = "救助基金每人最高能救助多少钱"
    assert type_match("设立救助基金500万元", "quantity", q) == 0.0  # a total
    assert type_match("每年拿出救助基金500万元", "quantity", q) == 0.0  # per year is not per person
    assert type_match("救助基金每人最高补助2万元", "quantity", q) == 1.0
    assert type_match("救助基金补助标准为3000元/人", "quantity", q) == 1.0


def test_the_general_classifier_binds_nothing():
    bind = ["美丽", "街区", "口袋", "公园"]
    q = "全市建成了多少个口袋公园"
    # 个 says nothing of what is counted: the figure's sentence must be about parks
    assert type_match("新增国家级夜间消费集聚区2个。", "quantity", q, bind=bind) == 0.0
    assert type_match("建成口袋公园56个。", "quantity", q, bind=bind) == 1.0


def test_first_is_also_said_with_shou_and_a_counted_company_is_no_name():
    from jianggao.qa.question import specific_terms

    spec = dict(specific_terms("全省第一次举办国际马拉松是哪一年"))
    assert "首次" in spec["第一次"] and "首个" in spec["第一次"] and "第1次" in spec["第一次"]
    assert dict(specific_terms("第一届博览会在哪里举办"))["第一届"] == ("第1届", "首届")
    assert "第二次" in dict(specific_terms("第二次会议"))  # only the first has another word
    # 多少家公司 / 哪些公司 ask about companies; they name none
    assert not any("公司" in t for t, _ in specific_terms("去年有多少家公司退出了融资平台"))
    assert not any("公司" in t for t, _ in specific_terms("全市有哪些公司入选了百强"))
    assert "长丰运输有限公司" in dict(specific_terms("长丰运输有限公司有多少辆车"))


def test_where_a_meeting_was_held_is_answered_by_a_venue():
    q = "全县经济工作会议在哪里召开"
    assert type_match("全县经济工作会议在县会展中心召开", "place", q) == 1.0
    assert type_match("全县经济工作会议于上午召开", "place", q) == 0.0
    # a venue is no answer to where something is built
    assert type_match("新园区紧邻体育中心", "place", "新园区建在哪里") == 0.0


def test_an_attribute_made_of_a_place_noun_asks_no_place():
    assert answer_type("出台了哪些地方性法规") != "place"
    assert answer_type("新增哪些省级平台") != "place"
    assert answer_type("哪个国家级园区获评优秀") != "place"
    assert answer_type("哪些地方开展了试点") == "place"
    assert answer_type("哪个省率先建成") == "place"
    assert answer_type("要在哪些方面加大支持") != "place"
    assert answer_type("扶持哪些乡村产业") == "list"  # 乡村, 市场: words that start with a level
    assert answer_type("哪些市场主体受益") == "list"


def test_which_places_or_organisations_are_answered_by_an_enumeration_of_them():
    q = "加强同哪些地区的合作"
    assert answer_type(q) == "place"
    assert type_match("加强同甲乙、丙丁等地区的合作", "place", q, tag=pos_tag) == 1.0
    assert type_match("加强对外合作", "place", q, tag=pos_tag) == 0.0
    assert answer_type("会议在哪里召开") == "place"
    assert answer_type("项目集中在哪个园区") == "place"  # 在哪个 + any noun but an aspect still asks where


def test_which_ones_ask_a_list_even_beside_a_rate_word():
    assert answer_type("哪些行业增速高于全省") == "list"
    assert answer_type("要克服哪些多重压力") == "list"  # 多重: multiple
    assert answer_type("这台机器有多重？") == "quantity"  # 多重: how heavy


def test_which_one_is_not_a_list():
    assert answer_type("园区有哪些新举措") == "list"
    assert answer_type("全省有哪个景区新评上了5A级") != "list"
    assert answer_type("有哪一所学校获评示范校") != "list"


def test_when_is_a_question_word():
    from jianggao.qa.question import is_question_word

    assert is_question_word("时候")  # of 什么时候: never in the answer


def test_a_running_total_does_not_answer_for_one_period():
    q = "港口当年完成集装箱吞吐量多少万标箱"
    assert type_match("港口累计完成集装箱吞吐量超过900万标箱", "quantity", q) == 0.0
    assert type_match("港口全年完成集装箱吞吐量320万标箱", "quantity", q) == 1.0
    # Without a one-period word, a running total is an answer.
    assert type_match("港口累计完成集装箱吞吐量超过900万标箱", "quantity", "港口完成集装箱吞吐量多少万标箱") == 1.0


def test_a_determiner_before_the_suffix_is_no_place_name():
    # 全市 / 我省 point at a place without naming it: they do not answer "in which district".
    assert type_match("推动全市网络深度覆盖", "place", "集群建在哪个区") == 0.0
    assert type_match("全力服务我省", "place", "园区建在哪里") == 0.0
    assert type_match("集群落户东湖新区", "place", "集群建在哪个区") == 1.0


def test_more_classifiers():
    from jianggao.qa.question import asked_unit

    assert asked_unit("共获得多少枚奖牌") == "枚"
    assert type_match("获得奖牌一百余项", "quantity", "共获得多少枚奖牌") == 0.0  # a figure, not in 枚
    assert type_match("获得奖牌32枚", "quantity", "共获得多少枚奖牌") == 1.0


def test_a_rare_qualifier_of_a_covered_term_must_be_in_the_excerpt():
    from jianggao.qa.question import unmatched_modifiers

    terms = [KeyTerm("港口", 4.0, False), KeyTerm("冷链", 5.0, False), KeyTerm("货物", 4.0, False),
             KeyTerm("吞吐量", 4.0, False)]
    q = "港口冷链货物吞吐量是多少"
    # The excerpt counts all 货物: 冷链 qualifies 货物 and is missing, so the figure is not the one asked for.
    assert unmatched_modifiers(q, terms, "港口货物吞吐量达到3亿吨", "港口货物吞吐量达到3亿吨") == ["冷链货物"]
    assert unmatched_modifiers(q, terms, "港口冷链货物吞吐量达到80万吨", "港口冷链货物吞吐量达到80万吨") == []
    # In the paragraph around the excerpt is enough: the excerpt may be one sentence of a passage about it.
    assert unmatched_modifiers(q, terms, "港口货物吞吐量达到3亿吨", "冷链物流加快发展。港口货物吞吐量达到3亿吨") == []


def test_what_does_not_count_as_a_missing_qualifier():
    from jianggao.qa.question import unmatched_modifiers

    text = "港口货物吞吐量达到3亿吨"
    q = "港口冷链货物吞吐量是多少"
    base = [KeyTerm("港口", 4.0, False), KeyTerm("货物", 4.0, False), KeyTerm("吞吐量", 4.0, False)]
    # a common word (low IDF) is as often only the question's framing
    assert unmatched_modifiers(q, [*base, KeyTerm("冷链", 1.0, False)], text, text) == []
    # a word the library never uses is a paraphrase's own wording, no evidence of a missing detail
    assert unmatched_modifiers(q, [*base, KeyTerm("冷链", 9.0, False, (), False)], text, text) == []
    # specific terms have their own check
    assert unmatched_modifiers(q, [*base, KeyTerm("冷链", 5.0, True)], text, text) == []
    # a missing word that qualifies nothing the text holds is not a qualifier of the answer
    assert unmatched_modifiers("港口货物吞吐量发展到多少", [*base, KeyTerm("发展", 5.0, False)], text, text) == []
    # time words are read by the date logic
    tags = lambda s: [("去年", "t")] if "去年" in s else []  # noqa: E731
    assert unmatched_modifiers("去年港口货物吞吐量是多少", [*base, KeyTerm("去年", 5.0, False)], text, text,
                               tag=tags) == []


def test_an_adjective_or_an_ordinal_heads_no_qualified_phrase():
    # The noun before an adjective is its subject (车辆少: there are fewer vehicles), before an ordinal a place
    # that names the speech, not a kind of the thing the excerpt holds.
    text = "全市交通拥堵减少，第三批试点启动"
    terms = [KeyTerm("车辆", 5.0, False), KeyTerm("少", 3.0, False), KeyTerm("第三批", 4.0, False),
             KeyTerm("甲地", 5.0, False), KeyTerm("试点", 3.0, False)]
    tags = lambda q: [("高峰", "n"), ("车辆", "n"), ("少", "a"), ("甲地", "ns"), ("第三批", "m"),  # noqa: E731
                      ("试点", "n")]
    q = "高峰车辆少甲地第三批试点"
    assert unmatched_modifiers(q, terms, text, text, tag=tags) == []
    # the same words tagged as nouns make qualified phrases, and their qualifiers are missing from the text
    noun = lambda q: [(w, "n") for w, _ in tags(q)]  # noqa: E731
    assert unmatched_modifiers(q, terms, text, text, tag=noun) == ["车辆少", "甲地第三批"]
    # nor does a distinguishing word (主要, 大型: jieba's b): 甲地主要 is a place and an adverbial, no kind of thing
    q = "甲地主要在哪些镇建设养殖基地"
    terms = [KeyTerm("甲地", 5.0, False), KeyTerm("主要", 2.0, False), KeyTerm("养殖", 3.0, False),
             KeyTerm("基地", 3.0, False)]
    text = "主要在乙镇、丙镇建设养殖基地"
    b = lambda q: [("甲地", "ns"), ("主要", "b"), ("在", "p"), ("哪些", "r"), ("镇", "n"), ("建设", "vn"),  # noqa: E731
                   ("养殖", "vn"), ("基地", "n")]
    assert unmatched_modifiers(q, terms, text, text, tag=b) == []
    assert unmatched_modifiers(q, terms, text, text, tag=lambda q: [(w, "n" if f == "b" else f) for w, f in b(q)]) == ["甲地主要"]
    # nor a time word: 甲地今年 is a place and a time, no kind of thing
    q = "甲地今年养殖基地建设了多少个"
    terms = [KeyTerm("甲地", 5.0, False), KeyTerm("今年", 3.0, False), KeyTerm("养殖", 3.0, False)]
    text = "今年建设养殖基地5个"
    t = lambda q: [("甲地", "ns"), ("今年", "t"), ("养殖", "vn"), ("基地", "n"), ("建设", "vn"), ("了", "ul"),  # noqa: E731
                   ("多少", "m"), ("个", "q")]
    assert unmatched_modifiers(q, terms, text, text, tag=t) == []
    assert unmatched_modifiers(q, terms, text, text, tag=lambda q: [(w, "n" if f == "t" else f) for w, f in t(q)]) \
        == ["甲地今年"]


def test_a_word_before_a_lone_admin_suffix_is_a_place_name():
    tags = lambda q: [("石门", "v"), ("县", "zg"), ("修建", "v"), ("了", "ul")]  # noqa: E731
    assert dict(specific_terms("石门县修建了", tag=tags))["石门县"] == ("石门",)
    pron = lambda q: [("这个", "r"), ("县", "zg"), ("修建", "v")]  # noqa: E731
    assert specific_terms("这个县修建了", tag=pron) == []
    whole = lambda q: [("全县", "n"), ("修建", "v")]  # noqa: E731
    assert specific_terms("全县修建了", tag=whole) == []


def test_key_terms_mark_words_the_library_lacks():
    terms = key_terms("港口冷链建设", ["港口", "冷链", "建设"], lambda ts: {t: {"港口": 3}.get(t, 0) for t in ts}, 100)
    by = {t.term: t for t in terms}
    assert by["港口"].known and not by["冷链"].known


def test_the_thing_a_figure_question_counts_must_be_there():
    from jianggao.qa.question import unmatched_modifiers

    terms = [KeyTerm("发放", 4.0, False), KeyTerm("养老", 5.0, False), KeyTerm("补贴", 4.0, False),
             KeyTerm("元", 1.5, False)]
    q = "每月发放多少元养老补贴"
    # 养老补贴 is what is counted in 元; a figure in 元 of another thing does not answer
    assert unmatched_modifiers(q, terms, "每月发放交通补贴300元", "每月发放交通补贴300元") == ["养老"]
    assert unmatched_modifiers(q, terms, "每月发放养老补贴300元", "每月发放养老补贴300元") == []
    # without a classifier the noun after 多少 may be the measure itself (多少钱)
    money = [KeyTerm("拿出", 4.0, False), KeyTerm("钱", 4.0, False)]
    assert unmatched_modifiers("每年拿出多少钱", money, "每年拿出1000万元", "每年拿出1000万元") == []


def test_the_part_of_a_whole_a_figure_question_asks_about_must_be_there():
    from jianggao.qa.question import unmatched_modifiers

    terms = [KeyTerm("选派", 4.0, False), KeyTerm("科技", 3.6, False), KeyTerm("特派员", 5.0, False),
             KeyTerm("女性", 4.5, False)]
    text = "全年选派科技特派员800名"
    assert unmatched_modifiers("选派的科技特派员中女性有多少名", terms, text, text) == ["女性"]
    assert unmatched_modifiers("选派的科技特派员中女性有多少名", terms, "其中女性特派员300名",
                               "全年选派科技特派员800名，其中女性特派员300名") == []
    assert unmatched_modifiers("选派了多少名科技特派员", terms, text, text) == []


def test_a_named_part_of_a_whole_must_be_in_the_paragraph():
    from jianggao.qa.question import unmatched_modifiers

    terms = [KeyTerm("美丽街区", 5.0, True), KeyTerm("东湖新区", 6.0, True, ("东湖新",))]
    text = "建成102个美丽街区"
    q = "建成的102个美丽街区中，东湖新区有几个"
    assert unmatched_modifiers(q, terms, text, text) == ["东湖新区"]
    assert unmatched_modifiers(q, terms, text, text + "\n其中东湖新区建成30个") == []


def test_a_verb_is_no_head_of_a_qualifier():
    from jianggao.qa.question import unmatched_modifiers

    # 老人 is the object of 发放, not a qualifier of it
    terms = [KeyTerm("老人", 5.0, False), KeyTerm("发放", 4.0, False), KeyTerm("补贴", 4.0, False)]
    tags = lambda q: [("对", "p"), ("老人", "n"), ("发放", "v"), ("补贴", "n")]  # noqa: E731
    text = "发放补贴300元"
    assert unmatched_modifiers("对老人发放补贴多少", terms, text, text, tag=tags) == []
    assert unmatched_modifiers("对老人发放补贴多少", terms, text, text) == ["老人发放"]  # untagged: any head counts


def test_a_verb_numeral_or_idiom_is_no_qualifier_and_a_head_is_a_whole_word():
    from jianggao.qa.question import unmatched_modifiers

    # Questions and texts written for the test.
    terms = [KeyTerm("防止", 4.0, False), KeyTerm("弄虚作假", 5.0, False), KeyTerm("一类", 4.0, False),
             KeyTerm("装备", 4.0, False), KeyTerm("复查", 5.0, False), KeyTerm("贫困", 3.0, False)]
    tags = lambda q: [("靠", "v"), ("什么", "r"), ("防止", "v"), ("弄虚作假", "i")]  # noqa: E731
    text = "建立制度，严防弄虚作假"
    assert unmatched_modifiers("靠什么防止弄虚作假", terms, text, text, tag=tags) == []
    tags = lambda q: [("哪", "r"), ("一类", "m"), ("装备", "n"), ("最", "d"), ("缺", "v")]  # noqa: E731
    assert unmatched_modifiers("哪一类装备最缺", terms, "装备偏少", "装备偏少", tag=tags) == []
    # 贫困 is only the start of the word 贫困户: 复查 does not qualify it
    tags = lambda q: [("复查", "vn"), ("贫困户", "n"), ("名单", "n")]  # noqa: E731
    assert unmatched_modifiers("复查贫困户名单", terms, "核实贫困人口", "核实贫困人口", tag=tags) == []
    # a noun before a whole head word still qualifies it
    cold = [KeyTerm("冷链", 5.0, False), KeyTerm("物流", 2.0, False)]
    tags = lambda q: [("冷链", "n"), ("物流", "n"), ("规模", "n")]  # noqa: E731
    assert unmatched_modifiers("冷链物流规模", cold, "物流规模扩大", "物流规模扩大", tag=tags) == ["冷链物流"]


def test_a_reason_question_is_ranked_by_a_stated_reason():
    assert answer_type("为什么要提高挂职干部的比例") == "reason"
    assert answer_type("新区为何选址在江边") == "reason"
    assert type_match("主要是为了打破行政化", "reason", "为什么要改革") == 1.0
    assert type_match("挂职干部比例提高到15%", "reason", "为什么要改革") == 0.0


def test_the_asked_administrative_level_is_read_from_the_question():
    assert asked_level("新园区建在哪个县") == "县"
    assert asked_level("总部落在哪一区") == "区"
    assert asked_level("试点选在哪座城市") == ""  # 城市 names no level
    assert asked_level("产品销往哪个市场") == ""  # 市场 is no city
    assert asked_level("博览会在哪里举办") == ""


def test_a_county_or_district_question_needs_a_name_with_that_suffix():
    assert type_match("新园区落户平安县", "place", "新园区建在哪个县") == 1.0
    assert type_match("新园区落户高新区", "place", "新园区建在哪个区") == 1.0
    # a place of another level, or a bare word a tagger calls a place, does not say which county
    tags = lambda text: [("大街", "ns")]  # noqa: E731
    assert type_match("新园区落户临江市", "place", "新园区建在哪个县", tag=tags) == 0.0
    assert type_match("消息传遍大街小巷", "place", "新园区建在哪个县", tag=tags) == 0.0
    # provinces and cities are often named bare: the tagger's names still count there
    assert type_match("消息传遍大街小巷", "place", "新园区建在哪个市", tag=tags) == 1.0


def test_an_abbreviation_is_found_in_its_full_form():
    assert abbreviation_in("新建海上风力发电机组", "风电")  # 风(力发)电
    assert abbreviation_in("支持高等学校建设", "高校")
    assert abbreviation_in("推动科学技术进步", "科技")
    assert abbreviation_in("风电装机", "风电")  # the short form itself
    assert not abbreviation_in("风力很大，发电稳定", "风电")  # not within one clause
    assert not abbreviation_in("风从东方吹来带来了电", "风电")  # the characters too far apart
    assert not abbreviation_in("风电", "风")  # one character abbreviates nothing


def test_a_qualifier_written_in_full_in_the_text_is_not_missing():
    terms = [KeyTerm("冷链", 5.0, False), KeyTerm("物流", 2.0, False)]
    # 冷链 qualifies 物流, and the text lacks it in any form
    assert unmatched_modifiers("冷链物流规模多大", terms, "物流规模扩大", "物流规模扩大") == ["冷链物流"]
    wind = [KeyTerm("风电", 5.0, False), KeyTerm("机组", 4.0, False)]
    text = "海上风力发电机组下线"
    assert unmatched_modifiers("风电机组功率多大", wind, text, text) == []
    assert unmatched_modifiers("风电机组功率多大", wind, "燃气机组下线", "燃气机组下线") == ["风电机组"]


def test_a_set_phrase_of_many_is_no_count():
    assert figures("把温暖送到千家万户") == []
    assert figures("新增三千家企业") == ["三千家"]
    assert type_match("把温暖送到千家万户", "quantity", "有几家企业入驻") == 0.0
    assert type_match("共有十二家企业入驻", "quantity", "有几家企业入驻") == 1.0
    assert type_match("共有十家企业入驻", "quantity", "有几家企业入驻") == 1.0
    assert type_match("全国约有10亿多人参与", "quantity", "有多少人参与") == 1.0  # 多 after the scale word
    assert type_match("全国约有3万余户参与", "quantity", "有多少户参与") == 1.0


def test_each_figure_asked_needs_a_figure_of_its_own():
    q = "新建了多少所学校？投资多少亿元？"
    assert figure_asks(q) == [FigureAsk("所", "", "学校"), FigureAsk("元", "亿", "")]
    assert type_match("新建学校12所，总投资3.5亿元", "quantity", q, all_asks=True) == 1.0
    assert type_match("新建学校12所，进展顺利", "quantity", q, all_asks=True) == 0.0  # one of two
    assert type_match("新建学校12所，进展顺利", "quantity", q) == 1.0  # ranking reads the first ask only
    # two unit-less asks need two figures, not one figure twice
    assert type_match("营收增长8%", "quantity", "营收是多少，增长多少", all_asks=True) == 0.0
    assert type_match("营收120亿元，增长8%", "quantity", "营收是多少，增长多少", all_asks=True) == 1.0


def test_a_scale_word_asked_wants_a_figure_of_that_magnitude():
    assert type_match("全年发放20件", "quantity", "一共需要几亿件") == 0.0
    assert type_match("全年发放2.3亿件", "quantity", "一共需要几亿件") == 1.0
    assert type_match("游客达85万人次", "quantity", "游客有多少万") == 1.0
    assert type_match("游客达850人次", "quantity", "游客有多少万") == 0.0
    # 万亿 is a trillion: it answers 多少亿元 and 多少万亿元; 300万元 answers neither
    for q in ("全省投资多少亿元", "全省投资多少万亿元"):
        assert type_match("全省投资1.2万亿元", "quantity", q) == 1.0
        assert type_match("全省投资300万元", "quantity", q) == 0.0


def test_a_quoted_slogan_that_starts_with_the_count_asked_gives_it():
    # Sentences and questions written for the test: a slogan names its count (“五项任务”), other numbers in a name
    # count nothing.
    assert type_match("全年完成“五项重点任务”", "quantity", "全年完成多少项重点任务") == 1.0
    assert type_match("全年完成“五项重点任务”", "quantity", "全年完成多少项改革") == 0.0  # another noun
    assert type_match("全年推进“2035示范工程”", "quantity", "全年推进多少项示范工程") == 0.0
    assert type_match("全年完成“五项”", "quantity", "全年完成多少项重点任务") == 0.0  # nothing after the count


def test_an_individual_classifier_may_differ_when_the_counted_noun_follows():
    q = "港口有多少条船"
    assert type_match("港口停泊渔船1200艘", "quantity", q) == 0.0  # no noun after the classifier
    assert type_match("组织1200艘船舶进港", "quantity", q) == 1.0  # 艘 for 条, the noun 船 follows
    assert type_match("完成1200吨船运", "quantity", q) == 0.0  # a measure is another quantity
    # people: 人 / 名 / 位 count the same thing
    assert type_match("录取考生300名", "quantity", "录取了多少人") == 1.0


def test_numbers_in_names_are_no_figures():
    assert type_match("推广“1+3”工作法和5G应用", "quantity", "产值是多少") == 0.0
    assert type_match("引进C919机型", "quantity", "有多少架") == 0.0
    assert type_match("全年产值12亿元", "quantity", "产值是多少") == 1.0


def test_an_organisation_kind_asked_wants_a_name_of_that_kind():
    q = "这项成果是哪所高校完成的"
    assert answer_type(q) == "organisation"
    assert asked_org_suffixes(q)
    assert type_match("由东川大学材料团队完成", "organisation", q) == 1.0
    assert type_match("建设三大省级技术中心", "organisation", q) == 0.0  # an organisation of another kind
    assert asked_org_suffixes("由哪家企业承建") == ()  # companies are often named bare: any organisation
    assert answer_type("是哪支团队攻关的") == "organisation"


def test_a_list_answer_enumerates_the_class_asked():
    q = "全省建设的5个示范园分别是哪些"
    cls = asked_list_class(q, pos_tag)
    assert cls == "示范园"
    assert asked_list_class("重点发展哪些种类的产品", pos_tag) == "产品"
    assert asked_list_class("要做好哪些排查和检测工作", pos_tag) == "工作"  # the head of a coordinated phrase
    # the enumeration is of something else: not an answer
    assert not list_of_class("出台数据、算力、材料等支持政策,建设5个示范园。", cls)
    assert list_of_class("建设数据、算力、材料等5个示范园。", cls)
    assert list_of_class("5个示范园:一是东区;二是西区;三是南区。", cls)
    assert list_of_class("东区、西区,南区等,这几个示范园要加快建设。", cls)  # closed by 等 just before the class
    assert not list_of_class("东区、西区建成。这几个示范园要加快建设。", cls)  # another sentence
    # a text that does not name the class may enumerate anywhere (措施 are seldom called so)
    assert list_of_class("一是稳就业;二是保民生;三是促消费", "措施")
    assert type_match("出台数据、算力、材料等支持政策,建设5个示范园。", "list", q, tag=pos_tag) == 0.0


def test_a_list_of_two_and_the_class_after_a_verb_or_a_set_phrase():
    assert list_of_class("推广甲稻、乙麦两个品种", "品种")  # two items, one 、
    assert not list_of_class("推广甲稻两个品种", "品种")
    assert asked_list_class("出台了哪些支持政策", pos_tag) == "政策"  # 支持 (a verb) inside the phrase
    assert asked_list_class("覆盖哪些新参保人员", pos_tag) == "人员"
    assert asked_list_class("保护哪些森林生态系统", pos_tag) == "生态系统"  # jieba's set phrase (l) is a noun
    assert asked_list_class("和哪些行当结合", pos_tag) == "行当"  # the verb after the head ends the phrase


def test_which_few_points_is_a_list_not_a_time_of_day():
    assert answer_type("会议要求做到哪几点") == "list"
    assert answer_type("讲话提出了几点意见") != "date"
    assert answer_type("会议几点开始") == "date"


def test_a_company_named_with_its_legal_form_is_a_specific_term():
    spec = dict(specific_terms("青川县白石镇金穗农业发展有限公司去年营收多少"))
    assert spec["金穗农业发展有限公司"] == ("金穗农业发展公司", "金穗农业发展")
    assert "这家公司" not in dict(specific_terms("这家公司去年营收多少"))
    assert not [s for s, _ in specific_terms("民营公司有多少家")]  # no name before a bare 公司
    assert not [s for s, _ in specific_terms("新成立的合作社有几家")]
    assert is_place_name("青川县") and not is_place_name("金穗农业发展有限公司")


def test_quoted_terms_are_the_names_a_question_quotes():
    from jianggao.qa.question import quoted_terms

    assert quoted_terms("“春风行动”期间招聘了多少人，《乡村振兴促进条例》何时施行") == {"春风行动", "乡村振兴促进条例"}
    assert quoted_terms("去年招聘了多少人") == set()


def test_the_members_of_a_counted_group_must_be_named_next_to_its_count():
    from jianggao.qa.question import asked_members, members_named

    q = "今年开工的5座水库分别叫什么名字"
    group = asked_members(q)
    assert group == ("5", "座")
    assert asked_members("今年开工的5座水库能蓄多少水") is None  # the count is given, the members are not asked
    assert asked_members("全省有几座水库") is None
    # the count stated bare, even inside an enumeration of other groups: the subject, not the members
    assert members_named("开工建设3处灌区、5座水库和引水二期等重点工程", group) is False
    # members closed by 等, opened by a colon or by 分别是, or closed by the group's quoted name
    assert members_named("建成甲水库、乙水库等5座水库", group) is True
    assert members_named("开工5座水库：甲水库、乙水库、丙水库、丁水库、戊水库", group) is True
    assert members_named("开工5座水库，分别是甲、乙、丙、丁、戊", group) is True
    assert members_named("推进甲、乙、丙、丁和戊“五座水库”建设", ("五", "座")) is True
    # a text that does not state the count says nothing either way; another count is not this one
    assert members_named("水库建设全面提速", group) is None
    assert members_named("建成15座水库", group) is None


def test_a_count_of_something_else_does_not_answer_what_the_question_counts():
    q = "全县还有多少饮水不安全人口"
    assert figure_asks(q)[0].counted == "饮水不安全人口"
    # 32个 counts villages: not the people asked about
    assert type_match("深入全县48个贫困村和32个非贫困村逐一核实饮水安全工程", "quantity", q) == 0.0
    assert type_match("全县还有饮水不安全人口1.2万人", "quantity", q) == 1.0  # a count of people is not judged
    assert type_match("还有1200个饮水不安全的自然村", "quantity", "还有多少饮水不安全的村") == 1.0
    # what is counted may follow a qualifier of its own (120家规上企业)
    assert type_match("新增规上企业30家，总数达120家规上企业", "quantity", "全县有多少企业") == 1.0


def test_words_inside_an_interrogative_are_not_key_terms():
    from jianggao.indexer.lexical import tokenize

    q = "全省在哪一年建成新机场"
    terms = [t.term for t in key_terms(q, tokenize(q), lambda ws: {w: 1 for w in ws}, 100)]
    assert "一年" not in terms and "机场" in terms  # 一年 is part of 哪一年
    q2 = "全省一年建成几个新机场"
    terms2 = [t.term for t in key_terms(q2, tokenize(q2), lambda ws: {w: 1 for w in ws}, 100)]
    assert "一年" in terms2  # said outside the interrogative, it is asked about


def test_a_year_question_wants_a_year_and_a_numbered_name_is_no_day():
    q = "新机场在哪一年建成"
    assert type_match("新机场将于夏季建成", "date", q) == 0.0
    assert type_match("新机场将于2027年建成", "date", q) == 1.0
    assert type_match("新机场将于夏季建成", "date", "新机场什么时候建成") == 1.0
    assert type_match("开通地铁4号线、7号线", "date", "地铁什么时候开通") == 0.0
    assert type_match("定于8号开通", "date", "地铁什么时候开通") == 1.0


def test_a_part_of_the_speech_name_binds_nothing():
    from jianggao.qa.question import KeyTerm, binding_terms

    terms = [KeyTerm("龙江", 4.0, False), KeyTerm("黑龙江", 5.0, False), KeyTerm("视察", 4.0, False)]
    assert binding_terms(terms, "黑龙江") == ["视察"]


def test_incidents_are_counted_with_qi():
    q = "去年刑事立案一共有多少起"
    assert figure_asks(q)[0].unit == "起"
    assert type_match("刑事立案量下降19.9%", "quantity", q) == 0.0
    assert type_match("全年刑事立案1.2万起", "quantity", q) == 1.0


def test_a_figure_binds_to_the_full_form_of_an_abbreviated_term():
    q = "今年省长在人代会上作报告是哪一天"
    bind = ["省长", "人代会", "报告"]
    assert type_match("2025年1月14日在吉林省第十四届人民代表大会第四次会议上", "date", q, bind=bind) == 1.0
    assert type_match("2025年1月14日召开全省经济工作会议", "date", q, bind=bind) == 0.0


def test_a_bare_company_after_a_verb_names_no_company():
    from jianggao.qa.question import specific_terms

    assert specific_terms("全省帮助公司到股票市场挂牌的行动叫什么", pos_tag) == []
    assert dict(specific_terms("金穗农业公司去年的营收是多少", pos_tag))["金穗农业公司"] == ("金穗农业",)


def test_no_qualifier_holds_a_classifier():
    from jianggao.qa.question import KeyTerm, unmatched_modifiers

    q = "全省一共有多少家省实验室"
    # the keyword tokenizer may cut 家省 across the classifier 家: no qualifier of 实验室
    terms = [KeyTerm("家省", 4.0, False), KeyTerm("实验室", 3.0, False)]
    assert unmatched_modifiers(q, terms, "建成省实验室27家", "建成省实验室27家", tag=pos_tag) == []
    q2 = "产业奖补资金补助多少钱"
    terms2 = [KeyTerm("奖补", 4.0, False), KeyTerm("资金", 2.0, False)]
    assert unmatched_modifiers(q2, terms2, "整合项目资金3亿元", "整合项目资金3亿元", tag=pos_tag) == ["奖补资金"]


def test_clock_times_importance_and_scope_words():
    from jianggao.qa.question import KeyTerm, unmatched_modifiers

    q = "日报每天几点前报送"
    assert answer_type(q) == "date"
    assert type_match("每天18点前报送", "date", q) == 1.0
    assert type_match("下午三点前报送", "date", q) == 1.0
    assert type_match("我再强调三点意见", "date", q) == 0.0  # three points, not three o'clock
    assert answer_type("要把防疫放在多重要的位置") == "other"  # 多重要 is how important, not how heavy
    assert answer_type("这台设备有多重") == "quantity"
    assert answer_type("这项任务属于哪方面的工作") != "list"  # 哪方面 asks for one
    # 全镇 says where the speaker stands, not which kind of 校车
    terms = [KeyTerm("全镇", 4.0, False), KeyTerm("校车", 4.0, False)]
    assert unmatched_modifiers("全镇校车驾驶人要有几年驾龄", terms, "校车驾驶人3年以上", "校车驾驶人3年以上",
                               tag=pos_tag) == []


def test_a_count_with_ge_before_its_noun_answers_another_individual_classifier():
    q = "有几家残联写出了改革方案"
    assert type_match("11个省残联已经起草了改革方案", "quantity", q) == 1.0
    # 个 after its noun (学位9.3万个) says nothing of what is counted: not a count of schools
    assert type_match("新增中小学学位9.3万个，", "quantity", "纳入集团的中小学有多少所") == 0.0


def test_the_noun_a_figure_is_asked_of():
    assert asked_subjects("某公司注册资本是多少？", pos_tag) == [("注册资本",)]
    assert asked_subjects("某县去年刑事案件一共有多少起？", pos_tag) == [("刑事案件",)]  # a total word is skipped
    # a bare measure word passes to the noun before it; a longer one keeps its stem
    assert asked_subjects("2023年某市小麦产量是多少？", pos_tag) == [("小麦",)]
    assert asked_subjects("某省外贸出口额增长了多少？", pos_tag) == [("出口额", "外贸")]
    assert asked_subjects("全市优良天数的目标是多少天？", pos_tag) == [("天数",)]  # a plan word is skipped
    assert asked_subjects("某市外贸出口额增长了百分之多少？", pos_tag) == [("出口额", "外贸")]  # 百分之多少 asks as one word
    assert asked_subjects("某县茶叶产量增长了多少？", pos_tag) == [("茶叶",)]  # the gap counts from the measure word
    # none: the noun follows the interrogative, a scope, a verbal noun as the predicate, a figure after the first
    assert asked_subjects("某县一共投入了多少资金？", pos_tag) == [()]
    assert asked_subjects("某工程总共投入了多少资金？", pos_tag) == [("工程",)]  # 资金 only says money is asked
    assert asked_subjects("全国有多少家企业？", pos_tag) == [()]
    assert asked_subjects("全县今年完成投资多少？", pos_tag) == [()]
    assert asked_subjects("今年打算种多少亩玉米、收获多少斤？", pos_tag) == [(), ()]
    # a noun after 的 heads a relative clause: the figure is still of the noun before it
    assert asked_subjects("常住人口达到多少万的城市可以建地铁？", pos_tag) == [("常住人口",)]
    # before a verb other than a copula the word may be its adverbial (同比增长): the noun before it stands too
    assert asked_subjects("全省进出口总额同比增长多少？", pos_tag) == [("同比", "总额")]
    q = "全省进出口总额同比增长多少？"
    assert type_match("进出口总额增长5.2%。", "quantity", q, subjects=asked_subjects(q, pos_tag)) == 1.0


def test_in_a_list_of_indicators_a_noun_after_the_figures_clause_is_another_items():
    q = "某省明年单位产值能耗要下降百分之多少？"
    subjects = asked_subjects(q, pos_tag)
    targets = "主要目标是：经济增长5%左右，工业增加值增长6%，单位产值能耗完成国家考核目标。"
    assert type_match(targets, "quantity", q, subjects=subjects) == 0.0
    assert type_match("单位产值能耗下降3%左右。", "quantity", q, subjects=subjects) == 1.0
    # the noun before the figure, in an earlier clause of its sentence, still binds it (the topic of the clauses)
    q = "某市粮食产量增长了百分之多少？"
    assert type_match("全市粮食产量达到52亿斤，增长3.1%。", "quantity", q, subjects=asked_subjects(q, pos_tag)) == 1.0


def test_a_figure_answers_only_where_it_is_of_the_noun_asked():
    q = "某银行注册资本是多少？"
    subjects = asked_subjects(q, pos_tag)
    other = "完成某银行组建，社会融资规模增量1万亿元。"
    # the bank's name binds the lending figure (BIND_ANSWERS); the capital asked is not in its sentence
    assert type_match(other, "quantity", q, bind=["银行", "注册资本"]) == 1.0
    assert type_match(other, "quantity", q, bind=["银行", "注册资本"], subjects=subjects) == 0.0
    assert type_match("某银行注册资本50亿元。", "quantity", q, subjects=subjects) == 1.0
    q = "全区民营企业贷款余额达到多少亿元？"
    text = "落实续贷政策853亿元，惠及2万户企业。民营企业贷款余额增长13%。"
    assert type_match(text, "quantity", q) == 1.0
    assert type_match(text, "quantity", q, subjects=asked_subjects(q, pos_tag)) == 0.0
    # what the figure's unit counts names the subject too: people for 人士
    q = "持证的残疾人士有多少？"
    assert type_match("全市持证残疾人已有8万人。", "quantity", q, subjects=asked_subjects(q, pos_tag)) == 1.0


def test_a_number_inside_a_quoted_name_is_no_figure_the_question_gives():
    q = "“2+3”培养模式下，学生在中职和高职各读几年？"
    assert type_match("学生在中职学校就读2年、高职院校就读3年。", "quantity", q) == 1.0
    # a figure the question states outside a name is given: it is no answer
    assert type_match("今年建成3所学校。", "quantity", "建成3所学校以后，还要建多少所？") == 0.0


def test_the_class_noun_gaoxiao_names_no_university():
    q = "今年重点支持的是哪所大学？"
    # 高校 is the class (institutions of higher education): 推动高校 is no name of one
    assert type_match("推动高校专业对接产业，筹建省高等研究院。", "organisation", q) == 0.0
    assert type_match("支持南方理工大学建设一流学科。", "organisation", q) == 1.0


def test_a_date_answers_only_where_it_is_of_the_noun_asked():
    q = "那次视频会议是哪天召开的？"
    assert asked_date_subject(q, pos_tag) == ("视频会议",)
    noun = [asked_date_subject(q, pos_tag)]
    text = "3月15日，某煤矿排查发现1名密接者。"
    assert type_match(text, "date", q) == 1.0 and type_match(text, "date", q, subjects=noun) == 0.0
    assert type_match("3月18日召开视频会议，部署防控工作。", "date", q, subjects=noun) == 1.0
    assert asked_date_subject("哪一年开始实施这项制度？", pos_tag) == ()  # the noun follows: nothing to check
