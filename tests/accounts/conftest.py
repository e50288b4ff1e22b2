"""Fixtures for the accounts tests."""

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Personas are created with a password; the default PBKDF2 makes each one cost ~0.3 s.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
