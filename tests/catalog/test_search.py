"""Chinese word search: words not substrings, ranking title > description, safe highlighting."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from catalog import search
from catalog.models import Demand
from catalog.selectors import published_demands
from tests import factories

pytestmark = pytest.mark.django_db


def make(park_org, title, description="园区企业提出的合作需求。"):
    demand_list = factories.DemandListFactory(organization=park_org)
    demand = factories.DemandFactory(demand_list=demand_list, title=title, description=description)
    search.index_object(demand)
    demand.save(update_fields=["search_tokens"])
    return demand


def titles(queryset):
    return [d.title for d in queryset]


def test_tokens_are_words_with_sub_words_and_no_punctuation():
    field = search.tokens_field("柔性协作机器人，视觉引导！", "SiC 外延")
    assert field.startswith(" ") and field.endswith(" ")
    tokens = field.split()
    assert {"协作机器人", "机器人", "视觉", "引导", "sic", "外延"} <= set(tokens)
    assert "，" not in tokens and "！" not in tokens and "人" not in tokens


def test_industry_dictionary_keeps_chain_terms_whole():
    assert "晨星工厂" in search.query_tokens("晨星工厂改造")
    assert "碳化硅" in search.query_tokens("碳化硅衬底")


def test_word_query_finds_longer_compound(park_org):
    robot = make(park_org, "柔性协作机器人装配线")
    make(park_org, "污水处理厂提标改造")
    assert titles(search.search(Demand.objects.all(), "机器人")) == [robot.title]


def test_single_character_does_not_match_by_substring(park_org):
    make(park_org, "柔性协作机器人装配线", "引进高端人才团队")
    assert titles(search.search(Demand.objects.all(), "人")) == []


def test_substring_across_word_boundary_is_not_a_hit(park_org):
    make(park_org, "化工业务外包服务", "化工企业安全咨询")
    industrial = make(park_org, "石化工业园区污水处理")
    # "工业" occurs as a substring of "化工业务" but is a word only in the second title.
    assert titles(search.search(Demand.objects.all(), "工业")) == [industrial.title]


def test_title_hits_rank_above_description_hits(park_org):
    in_description = make(park_org, "装配线智能化改造", "需要引入碳化硅功率器件检测能力。")
    in_title = make(park_org, "碳化硅外延片缺陷检测", "晶圆厂质量提升项目。")
    both = make(park_org, "碳化硅功率器件封装", "碳化硅模块封装测试。")
    ranked = list(search.search(Demand.objects.all(), "碳化硅"))
    assert ranked[-1] == in_description
    assert set(ranked[:2]) == {in_title, both}
    assert ranked[0].search_rank > ranked[-1].search_rank


def test_more_matched_words_rank_higher(park_org):
    one = make(park_org, "无人机巡检服务")
    two = make(park_org, "消防无人机巡检服务")
    assert titles(search.search(Demand.objects.all(), "消防 无人机")) == [two.title, one.title]


def test_empty_or_stop_word_query_leaves_queryset_alone(park_org):
    make(park_org, "柔性协作机器人装配线")
    assert search.search(Demand.objects.all(), "").count() == 1
    assert search.search(Demand.objects.all(), "的 和 ，").count() == 1


def test_search_composes_with_permission_querysets(park_org, unverified_org):
    make(park_org, "柔性协作机器人装配线")
    hidden_list = factories.DemandListFactory(organization=unverified_org)
    hidden = factories.DemandFactory(demand_list=hidden_list, title="协作机器人焊接（未认证）")
    search.index_object(hidden)
    hidden.save()
    assert titles(search.search(published_demands(), "机器人")) == ["柔性协作机器人装配线"]


def test_highlight_escapes_html_first():
    html = search.highlight('<script>alert("x")</script>协作机器人 & 机器人', "机器人")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert html.count('<mark class="hit">机器人</mark>') == 2
    assert "&amp;" in html


def test_highlight_does_not_break_entities():
    # A query word that spells part of an entity name must not split "&amp;".
    html = search.highlight("A&B amp", "amp")
    assert html == 'A&amp;B <mark class="hit">amp</mark>'


def test_list_page_ranks_and_highlights(client, park_org):
    make(park_org, "装配线智能化改造", "引入<b>协作机器人</b>完成上下料。")
    make(park_org, "协作机器人视觉引导装配")
    make(park_org, "污水处理厂提标改造")
    response = client.get(reverse("catalog:demand_list"), {"q": "协作机器人"})
    page = response.content.decode()
    assert "共 2 条需求" in page
    assert page.index("视觉引导装配") < page.index("装配线智能化改造")  # title hit first
    assert '<mark class="hit">协作机器人</mark>视觉引导装配' in page
    assert "&lt;b&gt;" in page and "<b>协作" not in page
    assert "污水处理" not in page


def test_reindex_command_rebuilds_tokens(park_org):
    demand = make(park_org, "柔性协作机器人装配线")
    Demand.objects.filter(pk=demand.pk).update(search_tokens="")
    call_command("reindex_search")
    assert " 机器人 " in Demand.objects.get(pk=demand.pk).search_tokens
