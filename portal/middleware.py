"""Content-Security-Policy header: every asset is vendored, so the policy can stay strict."""
from django.conf import settings


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Swagger UI / ReDoc need inline bootstrapping; they get a relaxed policy of their own.
        if request.path.startswith("/api/docs") or request.path.startswith("/api/redoc"):
            policy = settings.CONTENT_SECURITY_POLICY.replace(
                "script-src 'self'", "script-src 'self' 'unsafe-inline'"
            ).replace("style-src 'self'", "style-src 'self' 'unsafe-inline'").replace(
                "img-src 'self' data:", "img-src 'self' data: blob:"
            ).replace("connect-src 'self'", "connect-src 'self'; worker-src 'self' blob:")
        else:
            policy = settings.CONTENT_SECURITY_POLICY
        response.setdefault("Content-Security-Policy", policy)
        return response
