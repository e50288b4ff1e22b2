"""The API keeps its own contract: schemathesis drives every operation of the OpenAPI document with
every check (server errors, undocumented statuses and content types, responses against their
schemas, valid requests accepted, invalid ones rejected, auth, method handling) as an outside
client would, in-process against the WSGI app.

Two personas, each with a token: a member of a verified Beijing firm and a liaison (对接专员).
The data is a small demo-like world (a park's published demand list with a demand, a firm's
supply menu with a supply, a sealed bid, a notification). Phases: examples, coverage and fuzzing
per operation (fixed seed, EXAMPLES examples each; coverage as the firm only) and a stateful run that follows
the document's links from each create to the new object's read/update/actions.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis.stateful import run_state_machine_as_test
from rest_framework.authtoken.models import Token
from schemathesis.config import SchemathesisConfig

from portal.wsgi import application

SEED = 20261203
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))

# Writes: a schema-valid body may still break a rule the schema cannot express (the named 需求清单
# does not exist or is not yours, the deadline has passed, the name is taken); those answer 400 with
# the field and a Chinese message. Reads get no such allowance: a valid query is always accepted.
# Wrong credentials are a schema-valid request the token endpoint must refuse; schemathesis itself
# exempts such refusals for token URLs it knows of (OAuth tokenUrl), but ours is an apiKey scheme.
WRITE_RULES = ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]
# The coverage phase (every boundary and invalid value of every parameter) is most of the run time,
# and what it probes does not depend on who asks: it runs once, as the firm.
# Each persona's token has a fixed key, so schemathesis knows the credentials are explicit (its
# auth checks replay each request without them, and with a wrong one, and expect 401).
PERSONA_TOKENS = {"supplier": "a" * 40, "liaison": "b" * 40}


def _config(persona, *, coverage):
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "headers": {"Authorization": f"Token {PERSONA_TOKENS[persona]}"},
            "generation": {"max-examples": EXAMPLES},
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": coverage},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": True, "max-steps": 6},
            },
            "operations": [
                {
                    "include-method": method,
                    "checks": {"positive_data_acceptance": {"expected-statuses": WRITE_RULES}},
                }
                for method in ("POST", "PUT", "PATCH")
            ],
        }
    )


firm_schema = schemathesis.openapi.from_wsgi(
    "/api/schema/?format=json", application, config=_config("supplier", coverage=True)
)
liaison_schema = schemathesis.openapi.from_wsgi(
    "/api/schema/?format=json", application, config=_config("liaison", coverage=False)
)

pytestmark = pytest.mark.slow


@pytest.fixture
def personas(db, world):
    for persona, key in PERSONA_TOKENS.items():
        Token.objects.create(user=world.users[persona], key=key)


class _KeepTestConnection:
    """Calling the WSGI app directly fires request_started/finished, whose close_old_connections
    would close the test's connection (and its transaction); Django's test client disconnects it too."""

    def __enter__(self):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)

    def __exit__(self, *exc):
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _check(case):
    with _KeepTestConnection():
        case.call_and_validate()


@pytest.mark.django_db(transaction=False)
@firm_schema.parametrize()
@hypothesis_settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_api_keeps_its_contract_for_a_firm(case, personas):
    _check(case)


@pytest.mark.django_db(transaction=False)
@liaison_schema.parametrize()
@hypothesis_settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_api_keeps_its_contract_for_a_liaison(case, personas):
    _check(case)


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize("schema", [firm_schema, liaison_schema], ids=["firm", "liaison"])
def test_api_keeps_its_contract_across_links(schema, personas):
    class IsolatedScenario(schema.as_state_machine()):
        """Each scenario starts from the same data: what one scenario created is rolled back after it,
        so Hypothesis sees the same API (and the same valid links) when it replays a scenario."""

        def setup(self):
            self._scenario = transaction.atomic()
            self._scenario.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self._scenario.__exit__(None, None, None)

    with _KeepTestConnection():
        run_state_machine_as_test(
            IsolatedScenario,
            settings=hypothesis_settings(
                max_examples=EXAMPLES,
                stateful_step_count=6,
                deadline=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            ),
        )
