"""The webhook Meta calls for a bot: GET is the subscription handshake, POST the messages
and delivery statuses. POST answers fast: it checks the signature, stores, queues the
replies for the worker and returns; no model call or send happens inside the request."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from chat.whatsapp.inbound import delivery_store
from chat.whatsapp.models import WhatsAppAccount
from chat.whatsapp.payload import delivery_parse
from kaiu.platform.limits import client_network, rate_limit_hit

# Wrong signatures a client may send a minute before it gets 429s: Meta's own calls are
# signed, so only someone guessing (or a misconfigured app secret) ever counts here.
BAD_SIGNATURES_PER_MINUTE = 30

logger = logging.getLogger(__name__)


def _account(public_id: str) -> WhatsAppAccount | None:
    return WhatsAppAccount.objects.select_related("bot").filter(bot__public_id=public_id).first()


def signature_valid(body: bytes, header: str, app_secret: str) -> bool:
    """X-Hub-Signature-256: "sha256=" and the HMAC-SHA256 of the raw body with the app secret."""
    if not header or not header.startswith("sha256=") or not app_secret:
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256="):].strip().lower())


@csrf_exempt  # Meta signs its requests (X-Hub-Signature-256); it has no CSRF token
@require_http_methods(["GET", "POST"])
def webhook(request, public_id):
    account = _account(public_id)
    if account is None:
        return HttpResponse("Unknown webhook.", status=404, content_type="text/plain")
    if request.method == "GET":
        return _handshake(request, account)
    if not signature_valid(request.body, request.headers.get("X-Hub-Signature-256", ""), account.app_secret):
        logger.warning("WhatsApp webhook for bot %s: bad or missing signature", account.bot_id)
        limit = rate_limit_hit(f"whatsapp-signature:{client_network(request)}", limit=BAD_SIGNATURES_PER_MINUTE)
        if not limit.allowed:
            response = HttpResponse("Too many bad signatures.", status=429, content_type="text/plain")
            response["Retry-After"] = str(limit.retry_after)
            return response
        return HttpResponse("Bad signature.", status=401, content_type="text/plain")
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return HttpResponse("Not JSON.", status=400, content_type="text/plain")
    if account.is_enabled:  # switched off: acknowledged (or Meta retries for days) and dropped
        delivery_store(account, delivery_parse(body))
    return HttpResponse("OK", content_type="text/plain")


def _handshake(request, account: WhatsAppAccount) -> HttpResponse:
    """Meta's "Verify and save": echo hub.challenge when hub.verify_token is ours."""
    mode = request.GET.get("hub.mode", "")
    token = request.GET.get("hub.verify_token", "")
    challenge = request.GET.get("hub.challenge", "")
    if mode == "subscribe" and token and hmac.compare_digest(token.encode(), account.verify_token.encode()):
        return HttpResponse(challenge, content_type="text/plain")
    return HttpResponse("Verification failed.", status=403, content_type="text/plain")
