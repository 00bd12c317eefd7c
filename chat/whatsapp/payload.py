"""Meta's webhook JSON → small typed records, with nothing stored and no trust placed in any
field's presence: a change Meta adds tomorrow is skipped, not a 500.

    {"object": "whatsapp_business_account", "entry": [{"id": WABA id, "changes": [{"field": "messages",
      "value": {"metadata": {"phone_number_id", "display_phone_number"},
                "contacts": [{"wa_id", "user_id"?, "profile": {"name"}}],
                "messages": [{"from", "id", "timestamp", "type", "<type>": {...}, "referral"?: {...}}],
                "statuses": [{"id", "status", "timestamp", "recipient_id", "errors"?: [...]}]}}]}]}
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils import timezone

# Types whose words the bot answers; the rest get a polite reply (formatting.UNSUPPORTED).
TEXT_TYPES = {"text", "button", "interactive"}
# Types that call for no reply at all: a reaction to a message, Meta's system notices.
SILENT_TYPES = {"reaction", "system", "request_welcome"}


@dataclass
class Inbound:
    phone_number_id: str
    wamid: str
    wa_from: str  # the customer's WhatsApp number (wa_id), digits only
    type: str
    sent_at: dt.datetime
    text: str = ""
    media: dict = field(default_factory=dict)
    referral: dict = field(default_factory=dict)
    profile_name: str = ""
    user_id: str = ""  # the business-scoped user id, when Meta sends one


@dataclass
class Status:
    phone_number_id: str
    wamid: str
    status: str  # sent, delivered, read, failed (others are ignored)
    at: dt.datetime
    error_code: str = ""
    error: str = ""


@dataclass
class Delivery:
    messages: list[Inbound] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # PostgreSQL text holds neither (kaiu.http)


def _str(value) -> str:
    if isinstance(value, str):
        return _UNSTORABLE.sub("", value)
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else ""


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _time(value) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return timezone.now()


def delivery_parse(body: dict) -> Delivery:
    """Every message and status of every entry and change, in Meta's order."""
    delivery = Delivery()
    for entry in _list(_dict(body).get("entry")):
        for change in _list(_dict(entry).get("changes")):
            value = _dict(_dict(change).get("value"))
            number_id = _str(_dict(value.get("metadata")).get("phone_number_id"))
            if not number_id:
                continue
            contacts = {_str(c.get("wa_id")): c for c in map(_dict, _list(value.get("contacts")))}
            for raw in map(_dict, _list(value.get("messages"))):
                message = _message(number_id, raw, contacts)
                if message is not None:
                    delivery.messages.append(message)
            for raw in map(_dict, _list(value.get("statuses"))):
                status = _status(number_id, raw)
                if status is not None:
                    delivery.statuses.append(status)
    return delivery


def _message(number_id: str, raw: dict, contacts: dict) -> Inbound | None:
    wamid, sender, kind = _str(raw.get("id")), _str(raw.get("from")), _str(raw.get("type")) or "unsupported"
    if not wamid or not sender:
        return None
    contact = _dict(contacts.get(sender)) or (_dict(next(iter(contacts.values()))) if len(contacts) == 1 else {})
    text, media = _content(kind, raw)
    referral = _dict(raw.get("referral"))
    return Inbound(phone_number_id=number_id, wamid=wamid[:200], wa_from=sender[:64], type=kind[:20],
                   sent_at=_time(raw.get("timestamp")), text=text, media=media,
                   referral={k: _str(v)[:500] for k, v in referral.items() if _str(v)},
                   profile_name=_str(_dict(contact.get("profile")).get("name"))[:150],
                   user_id=(_str(contact.get("user_id")) or _str(raw.get("from_user_id")))[:32])


def _content(kind: str, raw: dict) -> tuple[str, dict]:
    """(the words, what else the message holds) of a message of type `kind`."""
    part = _dict(raw.get(kind))
    if kind == "text":
        return _str(part.get("body")), {}
    if kind == "button":  # a template's quick-reply button
        return _str(part.get("text")), {"payload": _str(part.get("payload"))}
    if kind == "interactive":  # a reply button or a list row the customer picked
        chosen = _dict(part.get("button_reply")) or _dict(part.get("list_reply"))
        return _str(chosen.get("title")), {"id": _str(chosen.get("id"))}
    if kind == "location":
        keys = ("latitude", "longitude", "name", "address")
        return "", {key: part[key] for key in keys if isinstance(part.get(key), (int, float, str))}
    if kind in ("image", "audio", "video", "document", "sticker"):
        keys = ("id", "mime_type", "caption", "filename", "voice", "animated")
        media = {key: part[key] for key in keys if isinstance(part.get(key), (str, bool))}
        return _str(part.get("caption")), media
    if kind == "reaction":
        return _str(part.get("emoji")), {"message_id": _str(part.get("message_id"))}
    return "", {"errors": [_dict(e).get("code") for e in _list(raw.get("errors"))][:3]}


def _status(number_id: str, raw: dict) -> Status | None:
    wamid, status = _str(raw.get("id")), _str(raw.get("status"))
    if not wamid or status not in ("sent", "delivered", "read", "failed"):
        return None
    error = _dict(next(iter(_list(raw.get("errors"))), {}))
    details = _str(_dict(error.get("error_data")).get("details"))
    return Status(phone_number_id=number_id, wamid=wamid, status=status, at=_time(raw.get("timestamp")),
                  error_code=_str(error.get("code"))[:20],
                  error=" — ".join(filter(None, [_str(error.get("title")), details]))[:300])
