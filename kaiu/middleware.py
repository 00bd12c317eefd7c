"""Refuse request bodies larger than any upload KAIU accepts, before anything reads them.

Django parses a multipart body as soon as a middleware (CSRF) touches request.POST, and
streams every file to disk on the way; a bound here keeps a 10 GB "upload" from filling the
disk. Put the same limit in the reverse proxy in production (nginx client_max_body_size).
"""

from django.conf import settings
from django.http import HttpResponse


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_MB * 1_000_000:
            return HttpResponse(
                f"This request is larger than {settings.MAX_REQUEST_MB} MB. Upload fewer or smaller files at once.",
                status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


# The dashboard's, the admin's and the sign-in pages' policy: our own scripts (htmx and
# dashboard.js, the admin's static JS), styles and images only, no inline script, style or
# event handler, nothing fetched from or sent to another site. The chat pages set a stricter
# one of their own (chat.web.chat_csp), which this leaves alone.
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


class ContentSecurityPolicyMiddleware:
    """PAGE_CSP on every HTML response that has no policy of its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" in response or not response.get("Content-Type", "").startswith("text/html"):
            return response
        if settings.DEBUG and response.status_code in (404, 500):
            return response  # Django's debug pages are styled and scripted inline
        response["Content-Security-Policy"] = PAGE_CSP
        return response
