"""The matches API rejects absurd filter values with a field message instead of a database error."""

import pytest


@pytest.mark.django_db
def test_out_of_range_filter_is_a_400_not_a_crash(client):
    response = client.get("/api/matches/", {"demand": 10**30})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["demand"]


@pytest.mark.django_db
def test_in_range_filter_still_works(client, demand):
    response = client.get("/api/matches/", {"demand": demand.pk})
    assert response.status_code == 200
