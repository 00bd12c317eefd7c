"""Connecting a bot to a WhatsApp number: the settings the page saves."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from bots.models import Bot
from chat.whatsapp.models import WhatsAppAccount, new_verify_token
from chat.whatsapp.outbound import WhatsAppError


def whatsapp_account_find_for_bot(bot: Bot) -> WhatsAppAccount | None:
    return WhatsAppAccount.objects.filter(bot=bot, tenant_id=bot.tenant_id).first()


def whatsapp_account_save(*, bot: Bot, phone_number_id: str, display_phone: str = "", access_token: str = "",
                          app_secret: str = "", verify_token: str = "", is_enabled: bool = True) -> WhatsAppAccount:
    """Save the bot's number. A blank access token or app secret keeps the stored one; a
    blank verify token keeps the stored one, or gets a random one."""
    account = whatsapp_account_find_for_bot(bot) or WhatsAppAccount(tenant_id=bot.tenant_id, bot=bot)
    account.phone_number_id = phone_number_id.strip()
    account.display_phone = display_phone.strip()
    account.access_token = access_token.strip() or account.access_token or ""
    account.app_secret = app_secret.strip() or account.app_secret or ""
    account.verify_token = verify_token.strip() or account.verify_token or new_verify_token()
    account.is_enabled = is_enabled
    if not account.phone_number_id.isdigit():
        raise WhatsAppError("The phone number ID is the number Meta shows under API Setup (digits only), "
                            "not the phone number itself.")
    if not account.access_token or not account.app_secret:
        raise WhatsAppError("Paste the access token and the app secret (Meta's app settings show both).")
    try:
        account.full_clean(exclude=["tenant", "bot", "phone_number_id"], validate_unique=False)
        with transaction.atomic():
            account.save()
    except ValidationError as error:
        raise WhatsAppError(" ".join(error.messages)) from None
    except IntegrityError:
        raise WhatsAppError("This phone number ID is already connected to another bot.") from None
    return account
