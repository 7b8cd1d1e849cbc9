from indexer.dedup import containment, find_duplicate_groups, fullness, is_copy, near_duplicate_pairs, shingle_set

SPEECH = (
    "同志们:今天召开全县脱贫攻坚工作会议,主要任务是总结2018年工作,部署2019年任务。全县共有贫困村70个,"
    "贫困人口2.6万人。我们要坚持精准扶贫、精准脱贫,确保如期完成脱贫任务。一要抓实产业发展,二要抓实易地搬迁,"
    "三要抓实教育扶贫,四要抓实健康扶贫,五要抓实社会保障兜底。"
)
OTHER = "今年春季学期于2月9日正式上课,关于开学的有关准备工作,教育局要求各校抓好校园环境整治,上好开学第一课,规范收费行为。" * 2


def test_figures_and_blanks_shingle_alike():
    blanked = SPEECH.replace("2018", "20xx").replace("2019", "20xx").replace("70", "xx").replace("2.6", "x.x")
    assert shingle_set(SPEECH) == shingle_set(blanked)
    assert fullness(SPEECH) > fullness(blanked)


def test_blanked_copy_links_to_the_copy_with_real_figures():
    blanked = SPEECH.replace("2018", "20xx").replace("70", "xx")
    groups = find_duplicate_groups([blanked, OTHER, SPEECH])
    assert len(groups) == 1
    assert groups[0].canonical == 2 and groups[0].copies == [0]


def test_truncated_copy_is_still_a_copy():
    truncated = SPEECH[: int(len(SPEECH) * 0.7)]
    assert containment(shingle_set(truncated), shingle_set(SPEECH)) > 0.95
    assert near_duplicate_pairs([SPEECH, truncated]) == [(0, 1)]


def test_template_reuse_in_a_much_longer_speech_is_not_a_copy():
    other_topics = "".join(
        f"{topic}工作要抓紧抓实,{topic}任务要分解到人,{topic}考核要严格兑现。"
        for topic in ("消防安全", "春耕生产", "计划生育", "基层党建", "疫情防控", "水土保持", "机关事务", "义务教育")
    )
    long = SPEECH + OTHER + other_topics * 1
    assert not is_copy(shingle_set(SPEECH), shingle_set(long))
    assert find_duplicate_groups([SPEECH, long]) == []


def test_unrelated_texts_are_not_grouped():
    assert find_duplicate_groups([SPEECH, OTHER, ""]) == []
