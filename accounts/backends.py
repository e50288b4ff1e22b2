"""The authentication backend: Django's ModelBackend behind the login limiter.

Every authenticate() call goes through it — the login page, the token API, the admin's own login
page and anything added later — so none of them can check a password the limiter did not allow.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from accounts import services


class LimitedModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        ip = services.client_ip(request) if request is not None else ""
        # Raises ValidationError(code="locked"); authenticate() lets it through to the form or view.
        services.login_attempt_reserve(username=username, ip=ip)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            services.login_failure_record(username=username, ip=ip)
        else:
            services.login_failures_clear(username=username, ip=ip)
        return user
