"""The bot's WhatsApp settings page (owners and admins)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from bots.selectors import bot_get_for_tenant
from chat.whatsapp.forms import WhatsAppAccountForm
from chat.whatsapp.outbound import WhatsAppError
from chat.whatsapp.services import whatsapp_account_find_for_bot, whatsapp_account_save
from kaiu.tenancy import tenant_view


@tenant_view("bots")
def whatsapp_settings(request, public_id):
    bot = bot_get_for_tenant(request.tenant, public_id)
    account = whatsapp_account_find_for_bot(bot)
    initial = {"is_enabled": True}
    if account is not None:
        initial = {"phone_number_id": account.phone_number_id, "display_phone": account.display_phone,
                   "verify_token": account.verify_token, "is_enabled": account.is_enabled}
    form = WhatsAppAccountForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            whatsapp_account_save(bot=bot, **form.cleaned_data)
        except WhatsAppError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "WhatsApp settings saved.")
            return redirect("chat:whatsapp-settings", public_id=bot.public_id)
    webhook_url = request.build_absolute_uri(reverse("chat:whatsapp-webhook", args=[bot.public_id]))
    return render(request, "chat/whatsapp_settings.html",
                  {"bot": bot, "account": account, "form": form, "webhook_url": webhook_url})
