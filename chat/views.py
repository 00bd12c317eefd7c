"""Chat on the web: the public page, the widget (script and frame) and the dashboard playground.

Anonymous endpoints take JSON, are CSRF-exempt (the widget's frame lives on another site,
where browsers withhold our cookies) and are guarded instead by the Origin check, rate
limits and the visitor's conversation token.
"""

from __future__ import annotations

import json
import secrets

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST, require_safe

from bots.models import Bot
from bots.selectors import bot_get_for_public, bot_get_for_tenant, prompt_find_for_bot, widget_config_get_for_bot
from chat import reply, selectors, services
from chat.models import Channel, Conversation
from chat.shop import product_image_find_for_bot
from chat.texts import ChatError
from chat.web import chat_csp, event_stream, json_error, message_payload, origin_allowed, ui_texts
from kaiu.http import json_body
from kaiu.platform.limits import client_network, rate_limit_hit
from kaiu.tenancy import tenant_view

PUBLIC_CHANNELS = (Channel.PAGE, Channel.WIDGET)  # a visitor's token opens no API or playground conversation


def _public_bot(public_id: str) -> Bot:
    return bot_get_for_public(public_id)


def _chat_config(bot: Bot, widget, *, channel: str, urls: dict, debug: bool = False) -> dict:
    return {
        "bot": bot.public_id, "channel": channel, "language": bot.language, "debug": debug,
        "title": widget.header_text or bot.name, "greeting": bot.welcome_message,
        "starters": [q for q in (widget.starter_questions or []) if isinstance(q, str)][:6],
        "color": widget.primary_color, "ink": widget.ink, "brand_text": widget.brand_text,
        "storage_key": f"kaiu-chat-{channel}-{bot.public_id}",
        "handover": channel in ("page", "widget"),  # "talk to a person" (chat.handover)
        "max_chars": settings.CHAT_MAX_MESSAGE_CHARS, "texts": ui_texts(bot.language), **urls,
    }


def _public_urls(public_id: str) -> dict:
    return {"stream_url": reverse("chat:public-messages", args=[public_id]),
            "history_url": reverse("chat:public-history", args=[public_id]),
            "feedback_url": reverse("chat:public-feedback", args=[public_id])}


# --- Public page and widget ---------------------------------------------------------------


@require_safe  # GET or HEAD: link checkers and monitors ask with HEAD
def public_page(request, public_id):
    return _chat_page(request, public_id, channel=Channel.PAGE)


@require_GET
@xframe_options_exempt  # the frame's CSP frame-ancestors decides who may embed it
def widget_frame(request, public_id):
    return _chat_page(request, public_id, channel=Channel.WIDGET)


def _chat_page(request, public_id: str, *, channel: str):
    bot = _public_bot(public_id)
    widget = widget_config_get_for_bot(bot)
    config = _chat_config(bot, widget, channel=channel.lower(), urls=_public_urls(public_id))
    response = render(request, "chat/page.html", {"bot": bot, "config": config, "embedded": channel == Channel.WIDGET})
    ancestors = widget.embed_domains() if channel == Channel.WIDGET else []
    response["Content-Security-Policy"] = chat_csp(frame_ancestors=ancestors)
    return response


@require_GET
def widget_script(request, public_id):
    """The one script a site includes: it adds a launcher and the chat frame."""
    bot = _public_bot(public_id)
    widget = widget_config_get_for_bot(bot)
    domains = widget.embed_domains()
    options = {
        "frame": request.build_absolute_uri(reverse("chat:widget-frame", args=[public_id])),
        "title": widget.header_text or bot.name, "color": widget.primary_color, "ink": widget.ink,
        "position": widget.position, "autoOpen": widget.auto_open, "enabled": bool(domains), "domains": domains,
        "label": ui_texts(bot.language)["close"],
    }
    script = render(request, "chat/widget.js", {"options": json.dumps(options)}).content
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response


def _anonymous_guard(request, bot: Bot):
    """An error response for a request from a foreign origin or over the IP's rate limit."""
    if not origin_allowed(request, widget_config_get_for_bot(bot).embed_domains()):
        return json_error(403, "forbidden_origin", "This site may not use this chat.")
    limit = rate_limit_hit(f"ip:{client_network(request)}", limit=settings.RATE_LIMIT_PER_IP_PER_MINUTE)
    if not limit.allowed:
        return _too_many(bot, limit.retry_after)
    return None


def _too_many(bot: Bot, retry_after: int):
    message = {"es": f"Estás enviando mensajes muy rápido. Espera {retry_after} s e inténtalo de nuevo.",
               "en": f"You are sending messages too quickly. Wait {retry_after} s and try again."}
    return json_error(429, "rate_limited", message.get(bot.language, message["en"]), retry_after=retry_after)


@require_safe
def public_product_image(request, public_id, product_id):
    """A product's image for the chat's cards: only of a product on sale, of a bot that knows
    the shop, served as the type it was checked to be and never run as a page."""
    bot = _public_bot(public_id)
    product = product_image_find_for_bot(bot, product_id)
    if product is None:
        raise Http404("No such image.")
    response = FileResponse(product.image.open("rb"), content_type=product.image_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=300"
    return response


@csrf_exempt
@require_POST
def public_messages(request, public_id):
    bot = _public_bot(public_id)
    refused = _anonymous_guard(request, bot)
    if refused:
        return refused
    data, question, refused = _question_in(request, bot)
    if refused:
        return refused
    conversation = selectors.conversation_find_for_visitor(bot, data.get("conversation"), str(data.get("token", "")),
                                                     channels=PUBLIC_CHANNELS)
    if conversation is not None:
        limit = rate_limit_hit(f"conversation:{conversation.pk}",
                               limit=settings.RATE_LIMIT_PER_CONVERSATION_PER_MINUTE)
        if not limit.allowed:
            return _too_many(bot, limit.retry_after)
    channel = Channel.WIDGET if data.get("channel") == "widget" else Channel.PAGE
    try:
        conversation, events = reply.question_ask(
            bot=bot, question=question, channel=channel, conversation=conversation,
            visitor_id=secrets.token_urlsafe(24),  # new conversations: the IP limit above applies
            ask_for_person=data.get("person") is True)  # the "talk to a person" button
    except ChatError as error:
        return _refusal(error)
    return event_stream(events, first={"conversation": str(conversation.pk), "token": conversation.visitor_id})


def _question_in(request, bot: Bot):
    """(the JSON body, the question in it, None), or (None, None, the error to answer).
    A body that is not a storable JSON object is refused by json_body (kaiu.http)."""
    data = json_body(request)
    try:
        return data, reply.clean_question(bot, str(data.get("message", ""))), None
    except ChatError as error:
        return None, None, json_error(400, error.code, str(error))


def _refusal(error: ChatError):
    status = {"quota": 429, "not_found": 404}.get(error.code, 400)
    return json_error(status, error.code, str(error))


@require_GET
def public_history(request, public_id):
    bot = _public_bot(public_id)
    conversation = selectors.conversation_find_for_visitor(
        bot, request.GET.get("conversation"), request.GET.get("token", ""), channels=PUBLIC_CHANNELS)
    if conversation is None:
        return JsonResponse({"messages": [], "with_person": False})
    # `after`: the last message the page shows; it polls for an agent's replies while a person
    # has the conversation (with_person).
    messages = selectors.message_list_for_conversation(conversation, after=request.GET.get("after"))
    return JsonResponse({"messages": [message_payload(m) for m in messages],
                         "with_person": not conversation.is_bot_active})


@csrf_exempt
@require_POST
def public_feedback(request, public_id):
    bot = _public_bot(public_id)
    refused = _anonymous_guard(request, bot)
    if refused:
        return refused
    data = json_body(request)
    conversation = selectors.conversation_find_for_visitor(bot, data.get("conversation"), str(data.get("token", "")),
                                                     channels=PUBLIC_CHANNELS)
    return _feedback(conversation, data)


def _feedback(conversation: Conversation | None, data: dict):
    message = selectors.message_find_for_conversation(conversation, data.get("message")) if conversation else None
    if message is None:
        return json_error(404, "not_found", "No such message.")
    try:
        services.feedback_set(message=message, rating=data.get("rating"), comment=str(data.get("comment", "")))
    except ChatError as error:
        return json_error(400, error.code, str(error))
    return JsonResponse({"ok": True})


# --- Playground (dashboard) ---------------------------------------------------------------


def _playground_conversation(request, bot: Bot, conversation_id) -> Conversation | None:
    return selectors.conversation_find_for_visitor(bot, conversation_id, f"user:{request.user.pk}")


@tenant_view("bots")
def playground(request, public_id):
    bot = bot_get_for_tenant(request.tenant, public_id)
    urls = {"stream_url": reverse("chat:playground-messages", args=[public_id]),
            "history_url": reverse("chat:playground-history", args=[public_id]),
            "feedback_url": reverse("chat:playground-feedback", args=[public_id])}
    config = _chat_config(bot, widget_config_get_for_bot(bot), channel="playground", urls=urls, debug=True)
    trying = _prompt_on_trial(bot, request.GET.get("prompt"))
    if trying is not None:
        config["prompt"] = str(trying.pk)
        config["storage_key"] += f"-prompt-{trying.pk}"
    return render(request, "chat/playground.html", {"bot": bot, "config": config, "trying": trying})


def _prompt_on_trial(bot: Bot, prompt_id):
    """A version of the bot's prompt to try instead of the live one, if asked for."""
    if not prompt_id or prompt_id == str(bot.active_prompt_id):
        return None
    return prompt_find_for_bot(bot, prompt_id)


@tenant_view("bots")
@require_POST
def playground_messages(request, public_id):
    bot = bot_get_for_tenant(request.tenant, public_id)
    data, question, refused = _question_in(request, bot)
    if refused:
        return refused
    try:
        conversation, events = reply.question_ask(
            bot=bot, question=question, channel=Channel.PLAYGROUND,
            conversation=_playground_conversation(request, bot, data.get("conversation")),
            visitor_id=f"user:{request.user.pk}", prompt=_prompt_on_trial(bot, data.get("prompt")))
    except ChatError as error:
        return _refusal(error)
    return event_stream(events, first={"conversation": str(conversation.pk), "token": ""}, debug=True)


@tenant_view("bots")
def playground_history(request, public_id):
    bot = bot_get_for_tenant(request.tenant, public_id)  # before the method check: another tenant's bot is 404
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    conversation = _playground_conversation(request, bot, request.GET.get("conversation"))
    messages = selectors.message_list_for_conversation(conversation) if conversation else []
    return JsonResponse({"messages": [message_payload(m, debug=True) for m in messages]})


@tenant_view("bots")
@require_POST
def playground_feedback(request, public_id):
    bot = bot_get_for_tenant(request.tenant, public_id)
    data = json_body(request)
    return _feedback(_playground_conversation(request, bot, data.get("conversation")), data)
