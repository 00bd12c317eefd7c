"""Meta's Graph API: POST {WHATSAPP_GRAPH_URL}/{phone-number-id}/messages with the account's
token. The base URL is the operator's setting, never a tenant's, so it needs no SSRF guard
(kaiu.ai.netguard guards the URLs tenants type); redirects are still not followed."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import httpx2
from django.conf import settings

# Meta's throttling codes, which may come with a 400: they pass, so the send is tried again.
TRANSIENT_CODES = {"4", "80007", "130429", "131056", "131000"}


@dataclass
class GraphError(Exception):
    message: str
    code: str = ""
    transient: bool = False  # worth trying again later (5xx, 429, throttling, timeouts)

    def __str__(self):
        return self.message


_client: httpx2.Client | None = None
_client_lock = threading.Lock()


def _http() -> httpx2.Client:
    """One client per process, shared by threads: a new one costs ~50 ms (it loads the CA
    bundle), more than a send to a nearby server (benchmarks/whatsapp.py)."""
    global _client
    with _client_lock:
        if _client is None:
            _client = httpx2.Client(follow_redirects=False, trust_env=False)
        return _client


def _post(account, payload: dict) -> str:
    """The new message's wamid, or GraphError saying what went wrong."""
    url = f"{settings.WHATSAPP_GRAPH_URL}/{account.phone_number_id}/messages"
    try:
        response = _http().post(url, json={"messaging_product": "whatsapp", "recipient_type": "individual",
                                           **payload},
                                headers={"Authorization": f"Bearer {account.access_token}"},
                                timeout=settings.WHATSAPP_TIMEOUT_SECONDS)
    except httpx2.TimeoutException:
        raise GraphError("The Graph API did not answer in time.", transient=True) from None
    except httpx2.TransportError as error:
        raise GraphError(f"Could not reach the Graph API: {type(error).__name__}.", transient=True) from None
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    if response.status_code >= 300:
        error = body.get("error") if isinstance(body.get("error"), dict) else {}
        code = str(error.get("code") or "")
        details = (error.get("error_data") or {}).get("details") if isinstance(error.get("error_data"), dict) else ""
        message = " — ".join(filter(None, [str(error.get("message") or f"HTTP {response.status_code}"),
                                           str(details or "")]))
        transient = response.status_code >= 500 or response.status_code == 429 or code in TRANSIENT_CODES
        raise GraphError(f"{message} (HTTP {response.status_code})"[:300], code=code[:20], transient=transient)
    try:
        return str(body["messages"][0]["id"])[:200]
    except (KeyError, IndexError, TypeError):
        raise GraphError("The Graph API accepted the message but sent back no id.") from None


def text_send(account, *, to: str, body: str) -> str:
    return _post(account, {"to": to, "type": "text", "text": {"preview_url": False, "body": body}})


def template_send(account, *, to: str, name: str, language: str, params: list[str]) -> str:
    template = {"name": name, "language": {"code": language}}
    if params:
        template["components"] = [{"type": "body",
                                   "parameters": [{"type": "text", "text": str(p)} for p in params]}]
    return _post(account, {"to": to, "type": "template", "template": template})
