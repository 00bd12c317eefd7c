"""WhatsApp tests: a bot connected to a number, Meta's webhook payloads in their real shape,
signed as Meta signs them, and the fake Graph API receiving what we send."""

import hashlib
import hmac
import json
import time

import pytest

from chat.whatsapp.services import whatsapp_account_save

PHONE_NUMBER_ID = "106540352242922"
APP_SECRET = "meta-app-secret-0123456789abcdef"
ACCESS_TOKEN = "EAAGtestaccesstoken0123456789"
VERIFY_TOKEN = "kaiu-verify-me"
CUSTOMER = "573001234567"  # wa_id: digits with the country code


@pytest.fixture
def fake_graph(settings):
    from tests.fakes.graph_server import FakeGraph

    with FakeGraph() as server:
        settings.WHATSAPP_GRAPH_URL = server.base_url
        settings.WHATSAPP_RETRY_BASE_SECONDS = 0  # a retry is due at once; the sweeper sends it
        yield server


def connect(bot, phone_number_id=PHONE_NUMBER_ID, secret=APP_SECRET):
    return whatsapp_account_save(bot=bot, phone_number_id=phone_number_id, display_phone="+57 601 555 0000",
                                 access_token=ACCESS_TOKEN, app_secret=secret, verify_token=VERIFY_TOKEN)


@pytest.fixture
def wa_bot(bot, fake_graph):
    connect(bot)
    return bot


def text(wamid, body, *, wa_id=CUSTOMER, at=None, referral=None):
    message = {"from": wa_id, "id": wamid, "timestamp": str(int(at or time.time())), "type": "text",
               "text": {"body": body}}
    if referral:
        message["referral"] = referral
    return message


def change(messages=(), statuses=(), *, phone_number_id=PHONE_NUMBER_ID, name="Ana Gómez", wa_id=CUSTOMER,
           user_id=None):
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "576015550000", "phone_number_id": phone_number_id}}
    if messages:
        contact = {"profile": {"name": name}, "wa_id": wa_id}
        if user_id:
            contact["user_id"] = user_id
        value["contacts"] = [contact]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {"value": value, "field": "messages"}


def delivery(*changes_per_entry):
    """Meta's envelope: one entry per list of changes."""
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398", "changes": list(changes)} for changes in changes_per_entry]}


def status(wamid, state, *, wa_id=CUSTOMER, at=None, errors=None):
    item = {"id": wamid, "status": state, "timestamp": str(int(at or time.time())), "recipient_id": wa_id}
    if errors:
        item["errors"] = errors
    return item


def sign(body: bytes, secret=APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture
def post_webhook(client, django_capture_on_commit_callbacks):
    """POST a payload to the bot's webhook, signed, and run what it queued (the worker in
    django-q's sync mode) unless `run_worker` is False."""

    def post(bot, payload, *, signature=None, run_worker=True):
        body = json.dumps(payload).encode()
        signature = sign(body) if signature is None else signature
        headers = {} if signature is False else {"HTTP_X_HUB_SIGNATURE_256": signature}
        with django_capture_on_commit_callbacks(execute=run_worker) as callbacks:
            response = client.post(f"/whatsapp/{bot.public_id}/webhook", data=body,
                                   content_type="application/json", **headers)
        response.callbacks = callbacks
        return response

    return post
