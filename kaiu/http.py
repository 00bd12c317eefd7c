"""The edge of every request: input PostgreSQL cannot store is refused before a view reads
it, JSON bodies are parsed within bounds, and everything under /api/ answers in OpenAI's
error shape ({"error": {"message", "type", "param", "code"}}), whoever made the response.

The chat endpoints' own errors ({"error": {"code", "message"}}) are a subset of that shape,
so one error body serves both.
"""

from __future__ import annotations

import json
import re
from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse

API_PREFIX = "/api/"
# OpenAI's bodies nest 4 levels (messages → content parts); Python's parser dies of
# RecursionError near 1,000, so anything between is refused here with a reason.
MAX_JSON_DEPTH = 32
# PostgreSQL text holds no NUL, and UTF-8 has no unpaired surrogates (JSON's "\ud800" decodes to one).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

_ERROR_TYPES = {429: "rate_limit_exceeded"}


class BadRequest(Exception):
    """A request refused at the edge; EdgeMiddleware answers it as a JSON error."""

    def __init__(self, message: str, *, status: int = 400, code: str = "invalid_request", param: str | None = None):
        super().__init__(message)
        self.status, self.code, self.param = status, code, param


def openai_error(status: int, message: str, *, code: str | None = None, param: str | None = None,
                 error_type: str | None = None, retry_after: int | None = None) -> JsonResponse:
    error_type = error_type or _ERROR_TYPES.get(status) or ("invalid_request_error" if status < 500 else "api_error")
    response = JsonResponse({"error": {"message": message, "type": error_type, "param": param, "code": code}},
                            status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def storable(text: str) -> bool:
    return _UNSTORABLE.search(text) is None


def _unstorable(param: str) -> BadRequest:
    return BadRequest(f"`{param[:40]}` holds a character that cannot be stored (a NUL byte or an unpaired "
                      "surrogate). Remove it and send again.", code="invalid_characters", param=param[:40])


def json_body(request) -> dict:
    """The body as a JSON object whose every string (keys too) can be stored, or BadRequest
    saying what is wrong with it. An empty body is an empty object."""
    try:
        body = request.body
    except RequestDataTooBig:
        raise BadRequest(f"The body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024} KB.",
                         status=413, code="request_too_large") from None
    try:
        data = json.loads(body or b"{}", parse_constant=_refuse_constant)
    except RecursionError:
        raise _too_deep() from None
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The body must be a JSON object.", code="invalid_json") from None
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object.", code="invalid_json")
    _check_strings(data)
    return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _too_deep() -> BadRequest:
    return BadRequest(f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep.", code="invalid_json")


def _check_strings(data: dict) -> None:
    """Every key and string at any depth, without recursion (the depth is the sender's);
    a refusal names the top-level field it was found under."""
    pending = [("body", data, 1)]  # (top-level field, value, depth)
    while pending:
        param, value, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise _too_deep()
        if isinstance(value, dict):
            for key, item in value.items():
                if not storable(key):
                    raise _unstorable(param)
                pending.append((key if depth == 1 else param, item, depth + 1))
        elif isinstance(value, list):
            pending.extend((param, item, depth + 1) for item in value)
        elif isinstance(value, str) and not storable(value):
            raise _unstorable(param)


def _check_url(request) -> None:
    """The path (its arguments) and every query parameter, name and value."""
    if not storable(request.path_info):
        raise _unstorable("path")
    for name, values in request.GET.lists():
        if not storable(name) or not all(storable(value) for value in values):
            raise _unstorable(name if storable(name) else "query")


# What Django or another middleware answers under /api/ in HTML or text: (code, message).
_API_ERRORS = {
    404: ("not_found", "Unknown URL: {method} {path}. The API has /api/v1/chat/completions, /api/v1/models, "
                       "/api/v1/conversations and /api/v1/feedback."),
    405: ("method_not_allowed", "{method} is not allowed on {path}."),
    413: ("request_too_large", "The request is larger than {max_mb} MB."),
    500: ("server_error", "Something went wrong on our side. Try again in a moment."),
}


class EdgeMiddleware:
    """First after SecurityMiddleware, so it also shapes the size limit's 413 and the
    handlers' 404 and 500 under /api/."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            _check_url(request)
        except BadRequest as refused:
            return self._refusal(refused)
        response = self.get_response(request)
        if request.path_info.startswith(API_PREFIX) and response.status_code >= 400 \
                and not response.get("Content-Type", "").startswith("application/json"):
            response = self._api_error(request, response)
        return response

    def process_exception(self, request, exception):
        return self._refusal(exception) if isinstance(exception, BadRequest) else None

    @staticmethod
    def _refusal(refused: BadRequest) -> JsonResponse:
        return openai_error(refused.status, str(refused), code=refused.code, param=refused.param)

    @staticmethod
    def _api_error(request, response) -> JsonResponse:
        status = response.status_code
        try:
            fallback = (None, HTTPStatus(status).phrase + ".")
        except ValueError:
            fallback = (None, "The request failed.")
        code, message = _API_ERRORS.get(status, fallback)
        shaped = openai_error(status, message.format(method=request.method, path=request.path,
                                                     max_mb=settings.MAX_REQUEST_MB), code=code)
        for header in ("Allow", "Retry-After"):
            if header in response:
                shaped[header] = response[header]
        return shaped
