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
