"""The API answers what its document says: bounded ids and pages (400, never an overflow), an id
that names nothing narrows a list to nothing, unknown objects answer the JSON error, and the
document lists every status with the one error shape, blank-or-URI fields and create links."""

import pytest

pytestmark = pytest.mark.django_db


def _error(response, status):
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]


@pytest.mark.parametrize("persona", ["supplier", "liaison", "admin"])
def test_absurd_filter_and_page_are_a_400_not_a_server_error(api_as, persona):
    client = api_as(persona)
    error = _error(client.get("/api/bids/?demand=-8.99592370254373e%2B124&page=15598830965705"), 400)
    assert error["fields"]["demand"]
    error = _error(client.get("/api/bids/?demand=1&page=15598830965705"), 400)
    assert error["fields"]["page"] == ["页码须为 1 到 1000000 之间的整数。"]


@pytest.mark.parametrize(
    "query",
    ["demand=1.5", "demand=0", f"demand={2**31}", "page=0", "page=abc", "page=-1", f"page={10**6 + 1}"],
)
def test_out_of_range_query_is_a_documented_400(api_as, query):
    _error(api_as("supplier").get(f"/api/bids/?{query}"), 400)


@pytest.mark.parametrize("persona", ["anonymous", "supplier", "liaison"])
def test_an_id_that_names_nothing_gives_an_empty_list(api_as, world, persona):
    client = api_as(persona)
    response = client.get("/api/demand-lists/?organization=999999&status=closed")
    assert response.status_code == 200 and response.json()["count"] == 0
    for query in ("chain=999999", "region=999999", "organization=999999", "demand_list=999999"):
        response = client.get(f"/api/demands/?{query}")
        assert response.status_code == 200 and response.json()["count"] == 0, query
    assert client.get(f"/api/demands/?organization={world.park_org.pk}").json()["count"] == 1


def test_api_chain_filter_still_narrows_to_the_chain(api_as, world):
    client = api_as("anonymous")
    assert client.get(f"/api/demands/?chain={world.demand.chain_id}").json()["count"] == 1
    assert client.get(f"/api/demands/?region={world.demand.region_id}").json()["count"] == 1


def test_non_integer_year_and_non_boolean_flag_are_rejected(api_as):
    assert _error(api_as("supplier").get("/api/demand-lists/?year=0.5"), 400)["fields"]["year"]
    assert _error(api_as("owner").get("/api/notifications/?is_read=null"), 400)["fields"]["is_read"]
    assert api_as("owner").get("/api/notifications/?is_read=false").status_code == 200
    assert _error(api_as("anonymous").get("/api/organizations/?is_verified=maybe"), 400)["fields"]["is_verified"]


def test_a_page_past_the_end_is_a_404_saying_how_many_pages(api_as):
    error = _error(api_as("supplier").get("/api/demands/?page=99"), 404)
    assert error["code"] == "page_not_found" and error["message"] == "页码超出范围：共 1 页。"


@pytest.mark.parametrize("path", ["/api/demands/0.5/", "/api/bids/0.5/confirm/", "/api/organizations/x/"])
def test_an_id_of_the_wrong_shape_answers_the_json_404(api_as, path):
    client = api_as("supplier")
    response = client.post(path) if path.endswith("confirm/") else client.get(path)
    assert _error(response, 404)["message"] == "未找到该对象或您无权访问。"


@pytest.fixture
def document(client):
    return client.get("/api/schema/?format=json").json()


def test_every_operation_documents_its_error_statuses_in_one_shape(document):
    assert document["components"]["schemas"]["Error"]["required"] == ["error"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            expected = {"405", "406"}
            if any("tokenAuth" in r for r in operation.get("security", [])):
                expected.add("401")
                if method != "get":
                    expected.add("403")
            if "{" in path or any(p["name"] == "page" for p in operation.get("parameters", [])):
                expected.add("404")
            if operation.get("parameters") or operation.get("requestBody"):
                expected.add("400")
            assert expected <= set(responses), (method, path, sorted(responses))
            for code, response in responses.items():
                if code.startswith("4"):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, code)


def test_parameters_carry_their_real_constraints(document):
    params = {p["name"]: p for p in document["paths"]["/api/bids/"]["get"]["parameters"]}
    assert params["demand"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    assert params["page"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 10**6}
    assert params["status"]["schema"]["enum"]
    demand_params = {p["name"]: p for p in document["paths"]["/api/demands/"]["get"]["parameters"]}
    assert demand_params["q"]["schema"]["maxLength"] == 100
    assert demand_params["budget_min"]["schema"]["minimum"] == 0
    assert demand_params["region"]["schema"]["maximum"] == 2**31 - 1
    path_id = document["paths"]["/api/demands/{id}/"]["get"]["parameters"][0]["schema"]
    assert path_id["minimum"] == 1 and path_id["maximum"] == 2**31 - 1


def test_response_schemas_match_what_is_sent(document, api_as, world):
    schemas = document["components"]["schemas"]
    assert schemas["Organization"]["properties"]["website"]["anyOf"][1] == {"type": "string", "maxLength": 0}
    assert "credit_code" not in schemas["Organization"]["required"]
    assert "anyOf" in schemas["Event"]["properties"]["online_url"]
    body = api_as("anonymous").get(f"/api/organizations/{world.park_org.pk}/").json()
    assert "credit_code" not in body


def test_each_create_links_to_what_can_be_done_with_the_new_object(document):
    links = document["paths"]["/api/demand-lists/"]["post"]["responses"]["201"]["links"]
    assert set(links) == {
        "demand_lists_retrieve",
        "demand_lists_update",
        "demand_lists_partial_update",
        "demand_lists_publish_create",
    }
    assert links["demand_lists_publish_create"]["parameters"] == {"path.id": "$response.body#/id"}
    assert "bids_withdraw_create" in document["paths"]["/api/bids/"]["post"]["responses"]["201"]["links"]
