from desktop.core.registry_search import filter_entries, make_entry, matches

LSH = make_entry(1, "老上海本帮菜馆（莘庄店）", "莘庄镇沪闵路 6088 号 2 层", "JY23101120003317", "莘庄镇", "大型餐饮",
                 "完成建设", ["烹饪区", "粗加工区"])
SCHOOL = make_entry(2, "七宝中学食堂", "七宝镇新镇路 22 号", "JY33101120005106", "七宝镇", "学校食堂", "设备安装")


def test_search_by_name_address_licence_camera_and_pinyin():
    for query in ("老上海", "沪闵路", "JY231011", "jy231011", "ＪＹ２３１０", "粗加工", "lsh", "LSH", "laoshanghai",
                  "莘庄 lsh"):
        assert matches(LSH, query), query
    for query in ("七宝", "lsh 七宝", "zzz"):
        assert not matches(LSH, query), query


def test_filters_combine_with_search():
    entries = [LSH, SCHOOL]
    assert filter_entries(entries) == {1, 2}
    assert filter_entries(entries, venue_types=frozenset({"学校食堂"})) == {2}
    assert filter_entries(entries, progress=frozenset({"完成建设", "视频对接"})) == {1}
    assert filter_entries(entries, "qbzx") == {2}
    assert filter_entries([make_entry(3, "莘城实验幼儿园食堂")], "xcsy") == {3}  # 莘 read as in place names
    assert filter_entries(entries, "qbzx", progress=frozenset({"完成建设"})) == set()
