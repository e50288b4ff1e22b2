"""Site-wide middleware: the Content-Security-Policy header (every asset is vendored, so the
policy can stay strict) and the 503 page for a locked or unreachable database."""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.template.response import SimpleTemplateResponse

logger = logging.getLogger("portal.database")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Swagger UI / ReDoc need inline bootstrapping; they get a relaxed policy of their own.
        if request.path.startswith("/api/docs") or request.path.startswith("/api/redoc"):
            policy = (
                settings.CONTENT_SECURITY_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
                .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
                .replace("img-src 'self' data:", "img-src 'self' data: blob:")
                .replace("connect-src 'self'", "connect-src 'self'; worker-src 'self' blob:")
            )
        else:
            policy = settings.CONTENT_SECURITY_POLICY
        response.setdefault("Content-Security-Policy", policy)
        return response


class DatabaseUnavailableMiddleware:
    """A locked, busy or lost database answers 503 with a page saying nothing was saved.

    Services write inside `transaction.atomic`, so an OperationalError reaching here has rolled
    the whole operation back; the user is told to retry instead of seeing a bare 500.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error("database unavailable on %s %s: %s", request.method, request.path, exception)
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {
                    "error": {
                        "code": "database_unavailable",
                        "message": "数据库繁忙或暂时无法连接，本次操作没有保存，请稍后重试。",
                        "fields": {},
                    }
                },
                status=503,
            )
        else:
            # No request context: the context processors would query the unavailable database.
            response = SimpleTemplateResponse("503.html", status=503).render()
        response["Retry-After"] = "5"
        response["Cache-Control"] = "no-store"
        return response
