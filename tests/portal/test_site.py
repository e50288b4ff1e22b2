"""The site shell: health check and a Chinese home page."""

import pytest
from django.urls import reverse

from tests import factories


@pytest.mark.django_db
def test_healthz_answers_ok_with_a_database_round_trip(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_healthz_is_not_redirected_to_https_in_production(client, settings):
    # Probes from docker/load balancers speak plain HTTP inside the network.
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get(reverse("home")).status_code == 301


@pytest.mark.django_db
def test_home_page_is_in_chinese_and_lists_published_demands(client, demand, supply):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans"' in html.lower()
    assert "京鲁供需对接平台" in html
    assert demand.title in html
    assert supply.title in html
    assert response["Content-Security-Policy"].startswith("default-src 'self'")


@pytest.mark.django_db
def test_home_page_hides_lists_of_unverified_organisations(client, unverified_org):
    hidden = factories.SupplyFactory(
        menu=factories.SupplyMenuFactory(organization=unverified_org), title="未认证单位的供给不应出现在首页"
    )
    html = client.get(reverse("home")).content.decode()
    assert hidden.title not in html


@pytest.mark.django_db
def test_home_page_query_count_does_not_grow_with_rows(client, park_org, supplier_org, django_assert_max_num_queries):
    demand_list = factories.DemandListFactory(organization=park_org)
    menu = factories.SupplyMenuFactory(organization=supplier_org)
    factories.DemandFactory.create_batch(3, demand_list=demand_list)
    factories.SupplyFactory.create_batch(3, menu=menu)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("home"))
    factories.DemandFactory.create_batch(20, demand_list=demand_list)
    factories.SupplyFactory.create_batch(20, menu=menu)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("home"))
