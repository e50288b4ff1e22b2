"""Swagger UI and ReDoc load with vendored assets only (the site works without internet)."""

import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_use_local_assets(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(not a.startswith(("http://", "https://", "//")) for a in assets), assets
    for asset in assets:
        if asset.startswith("/static/"):
            assert client.get(asset).status_code == 200, asset


def test_schema_has_chinese_descriptions(client):
    schema = client.get("/api/schema/?format=json").json()
    assert schema["paths"]["/api/bids/"]["post"]["summary"] == "提交意向书"
    assert schema["paths"]["/api/demands/"]["get"]["summary"] == "需求列表"
    assert "截止日期" in str(schema["components"]["schemas"]["Demand"])
