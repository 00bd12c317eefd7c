"""The OpenAI-compatible API: POST /api/v1/chat/completions with a tenant API key, the
model being a bot's public id; plus JSON endpoints to list conversations and rate answers.
Errors use OpenAI's shape, so OpenAI's own clients report them as they would OpenAI's."""

from __future__ import annotations

import functools
import json
import time
import uuid

from django.conf import settings
from django.core.paginator import Paginator
from django.http import JsonResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from bots.models import Bot
from bots.selectors import bot_find_for_tenant, bot_list_for_tenant
from chat import reply, selectors, services
from chat.models import Channel, Conversation, Message
from chat.texts import MESSAGES, ChatError, message_for
from chat.web import cards_payload, message_payload
from kaiu.accounts.services import api_key_authenticate, api_key_revoked
from kaiu.http import json_body, openai_error
from kaiu.platform.limits import rate_limit_hit

PAGE_SIZE = 50


def api_view(*methods: str):
    """The HTTP methods a view takes (others get a 405 in OpenAI's shape), Bearer API key
    authentication and the per-key rate limit; sets request.api_key."""

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            header = request.headers.get("Authorization", "")
            secret = header[7:].strip() if header[:7].lower() == "bearer " else ""
            api_key = api_key_authenticate(secret) if secret else None
            if api_key is None:
                return _unauthorized(secret)
            limit = rate_limit_hit(f"api:{api_key.pk}", limit=settings.RATE_LIMIT_PER_API_KEY_PER_MINUTE)
            if not limit.allowed:
                return openai_error(429, f"Too many requests for this key. Retry in {limit.retry_after} s.",
                                    code="rate_limit_exceeded", retry_after=limit.retry_after)
            if request.method not in methods:
                response = openai_error(405, f"Use {' or '.join(methods)} on {request.path}.",
                                        code="method_not_allowed")
                response["Allow"] = ", ".join(methods)
                return response
            request.api_key = api_key
            return view(request, *args, **kwargs)

        wrapper.api_view = True
        return wrapper
    return decorate


def _unauthorized(secret: str) -> JsonResponse:
    if secret and api_key_revoked(secret):
        return openai_error(401, "This API key was revoked. Create a new one in the dashboard under Settings → "
                                 "API keys.", code="api_key_revoked")
    return openai_error(401, "Invalid API key. Create one in the dashboard under Settings → API keys.",
                        code="invalid_api_key")


def _text(content) -> str:
    """OpenAI message content: a string, or a list of parts of which text parts count."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part["text"] for part in content
                       if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str))
    return ""


def _history(messages: list) -> list[tuple[str, str]]:
    """The client's earlier turns, newest first up to the same budget a web conversation
    gets, each no longer than a question may be."""
    budget, turns = settings.CHAT_HISTORY_CHARS, []
    for message in reversed(messages):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            continue
        content = _text(message.get("content"))[:settings.CHAT_MAX_MESSAGE_CHARS]
        budget -= len(content)
        if budget < 0:
            break
        turns.append((message["role"], content))
    return turns[::-1]


def _api_message(error: ChatError) -> str:
    """A refusal in English, as the API's other errors are (visitors get the bot's language)."""
    if error.code in MESSAGES:
        return message_for(error.code, "en", limit=settings.CHAT_MAX_MESSAGE_CHARS)
    return str(error)


@api_view("POST")
def chat_completions(request):
    data = json_body(request)  # a body that is not a storable JSON object is refused there (kaiu.http)
    model = data.get("model")
    if not isinstance(model, str) or not model.strip():
        return openai_error(400, "`model` is required: use a bot's public id (GET /api/v1/models lists them).",
                            param="model")
    bot = bot_find_for_tenant(request.api_key.tenant, model)
    if bot is None:
        return _model_not_found(model)
    refused = _invalid_completion_request(data)
    if refused is not None:
        return refused
    messages, stream_options = data["messages"], data.get("stream_options") or {}
    conversation = None
    if data.get("conversation") is not None:  # continue one: its stored turns are the history
        conversation = selectors.conversation_find_for_tenant(request.api_key.tenant, data["conversation"])
        if conversation is None or conversation.bot_id != bot.pk or conversation.channel != Channel.API:
            return openai_error(404, "No such conversation with this model.", code="not_found",
                                param="conversation")
    try:
        question = reply.clean_question(bot, _text(messages[-1].get("content")))
    except ChatError as error:
        return openai_error(400, _api_message(error), code=error.code, param="messages")
    earlier = _history(messages[:-1])
    try:
        conversation, events = reply.question_ask(
            bot=bot, question=question, channel=Channel.API, visitor_id=str(data.get("user", ""))[:64],
            conversation=conversation, history=earlier if earlier or conversation is None else None)
    except ChatError as error:
        if error.code == "not_found":  # the bot was deleted a moment ago
            return _model_not_found(model)
        status = 429 if error.code == "quota" else 400
        return openai_error(status, _api_message(error), code="insufficient_quota" if status == 429 else error.code,
                            error_type="insufficient_quota" if status == 429 else None)
    created = int(time.time())
    if data.get("stream"):
        include_usage = bool(stream_options.get("include_usage"))
        response = StreamingHttpResponse(_stream(events, bot, created, include_usage),
                                         content_type="text/event-stream; charset=utf-8")
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"
        return response
    message = next((event.message for event in events if event.type == "done"), None)
    if message is None:  # the bot was deleted while it answered
        return _model_not_found(model)
    return _completion(bot, conversation, message, created)


def _invalid_completion_request(data: dict) -> JsonResponse | None:
    """The refusal of a body whose messages, n or stream options cannot be answered, if any."""
    messages = data.get("messages")
    if not isinstance(messages, list) or not messages or not isinstance(messages[-1], dict) \
            or messages[-1].get("role") != "user":
        return openai_error(400, "`messages` must be a list ending with a user message.", param="messages")
    n = data.get("n")
    if n is not None and (isinstance(n, bool) or n != 1):  # null is OpenAI's default, 1
        return openai_error(400, "`n` must be 1: a bot gives one answer per question. Send the request again "
                                 "for another.", param="n")
    if not isinstance(data.get("stream_options") or {}, dict):
        return openai_error(400, "`stream_options` must be an object.", param="stream_options")
    return None


def _completion(bot: Bot, conversation: Conversation, message: Message, created: int) -> JsonResponse:
    return JsonResponse({
        "id": f"chatcmpl-{message.pk.hex}", "object": "chat.completion", "created": created, "model": bot.public_id,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": message.content},
                     "finish_reason": "stop", "logprobs": None}],
        "usage": _usage(message), "kaiu": _extras(conversation, message),
    })


def _usage(message: Message) -> dict:
    return {"prompt_tokens": message.tokens_in, "completion_tokens": message.tokens_out,
            "total_tokens": message.tokens_in + message.tokens_out}


def _extras(conversation: Conversation, message: Message) -> dict:
    return {"conversation": str(conversation.pk), "message": str(message.pk), "answered": message.answered,
            "cache_hit": message.cache_hit, "sources": message_payload(message)["sources"],
            "cards": cards_payload(message)}


def _model_not_found(model) -> JsonResponse:
    return openai_error(404, f"The model `{model}` does not exist or you do not have access to it. "
                             "Use a bot's public id as the model.", code="model_not_found", param="model")


def _stream(events, bot: Bot, created: int, include_usage: bool):
    """OpenAI's stream: chat.completion.chunk events, the last one with finish_reason, a
    usage chunk when asked for, then [DONE]."""
    chunk_id = f"chatcmpl-{uuid.uuid4().hex}"

    def chunk(choices: list, **extra) -> str:
        body = {"id": chunk_id, "object": "chat.completion.chunk", "created": created, "model": bot.public_id,
                "choices": choices, **extra}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    def delta(content: dict, finish_reason=None) -> list:
        return [{"index": 0, "delta": content, "finish_reason": finish_reason, "logprobs": None}]

    yield chunk(delta({"role": "assistant", "content": ""}))
    for event in events:
        if event.type == "delta":
            yield chunk(delta({"content": event.text}))
            continue
        message = event.message
        yield chunk(delta({}, finish_reason="stop"), kaiu=_extras(message.conversation, message))
        if include_usage:
            yield chunk([], usage=_usage(message))
    yield "data: [DONE]\n\n"


@api_view("GET")
def model_list(request):
    """GET /api/v1/models: the tenant's bots, as OpenAI lists models (tools call it to offer a choice)."""
    bots = bot_list_for_tenant(request.api_key.tenant)
    return JsonResponse({"object": "list", "data": [_model(bot) for bot in bots]})


@api_view("GET")
def model_detail(request, model):
    bot = bot_find_for_tenant(request.api_key.tenant, model)
    return _model_not_found(model) if bot is None else JsonResponse(_model(bot))


def _model(bot: Bot) -> dict:
    return {"id": bot.public_id, "object": "model", "created": int(bot.created_at.timestamp()),
            "owned_by": "kaiu", "name": bot.name}


@api_view("GET")
def conversation_list(request):
    """GET /api/v1/conversations?bot=<public id>&channel=API&page=2 — newest first, 50 a page.
    A page past the last is empty (has_more false), as OpenAI's lists end; a page that is not
    a whole number from 1 is a 400."""
    number = _page_number(request.GET.get("page", "1"))
    if number is None:
        return openai_error(400, "`page` must be a whole number from 1.", param="page")
    conversations = selectors.conversation_list_for_tenant(
        request.api_key.tenant, bot=request.GET.get("bot", ""), channel=request.GET.get("channel", "").upper())
    paginator = Paginator(conversations, PAGE_SIZE)
    page = paginator.page(number) if number <= paginator.num_pages else []
    return JsonResponse({
        "object": "list", "page": number, "pages": paginator.num_pages, "has_more": number < paginator.num_pages,
        "data": [{"id": str(c.pk), "bot": c.bot.public_id, "channel": c.channel, "title": c.title,
                  "messages": c.message_count, "created_at": c.created_at.isoformat(),
                  "updated_at": c.updated_at.isoformat()} for c in page],
    })


def _page_number(text: str) -> int | None:
    """`page` as a number from 1, or None. (isdigit alone takes "²", which int() refuses.)"""
    if not (text.isascii() and text.isdigit()):
        return None
    try:
        return int(text) or None
    except ValueError:  # past Python's 4,300-digit limit for int()
        return None


@api_view("GET")
def conversation_detail(request, conversation_id):
    conversation = selectors.conversation_find_for_tenant(request.api_key.tenant, conversation_id)
    if conversation is None:
        return openai_error(404, "No such conversation.", code="not_found")
    messages = selectors.message_list_for_conversation(conversation)
    return JsonResponse({"id": str(conversation.pk), "bot": conversation.bot.public_id,
                         "channel": conversation.channel, "title": conversation.title,
                         "messages": [message_payload(m) for m in messages]})


@api_view("POST")
def feedback(request):
    """POST /api/v1/feedback {"message": id, "rating": 1 | -1, "comment": "..."}"""
    data = json_body(request)
    message = selectors.message_find_for_tenant(request.api_key.tenant, data.get("message"))
    if message is None:
        return openai_error(404, "No such message.", code="not_found", param="message")
    try:
        services.feedback_set(message=message, rating=data.get("rating"), comment=str(data.get("comment", "")))
    except ChatError:
        return openai_error(400, "`rating` must be 1 or -1, on an answer.", param="rating")
    return JsonResponse({"ok": True})
