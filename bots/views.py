from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from bots import selectors, services
from bots.forms import BotCreateForm, BotForm, WidgetConfigForm
from kaiu.accounts.quotas import QuotaExceeded
from kaiu.tenancy import tenant_view


@tenant_view("bots")
def bot_list(request):
    return render(request, "bots/bot_list.html", {"bots": selectors.bot_list_for_tenant(request.tenant)})


@tenant_view("bots")
def bot_create(request):
    form = BotCreateForm(request.POST or None, initial={"template": selectors.template_list().first()})
    if request.method == "POST" and form.is_valid():
        try:
            bot = services.bot_create(
                tenant=request.tenant, template=form.cleaned_data["template"], name=form.cleaned_data["name"],
                description=form.cleaned_data["description"], user=request.user,
            )
        except QuotaExceeded as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Bot “{bot.name}” created.")
            return redirect("bots:bot-detail", public_id=bot.public_id)
    return render(request, "bots/bot_create.html", {"form": form, "templates": selectors.template_list()})


@tenant_view("bots")
def bot_detail(request, public_id):
    bot = selectors.bot_get_for_tenant(request.tenant, public_id)
    return render(request, "bots/bot_detail.html", {"bot": bot})


@tenant_view("bots")
def bot_edit(request, public_id):
    bot = selectors.bot_get_for_tenant(request.tenant, public_id)
    form = BotForm(request.POST or None, instance=bot)
    if request.method == "POST" and form.is_valid():
        services.bot_update(bot=bot, **{name: form.cleaned_data[name] for name in BotForm.Meta.fields})
        messages.success(request, "Bot saved.")
        return redirect("bots:bot-detail", public_id=bot.public_id)
    return render(request, "bots/bot_edit.html", {"bot": bot, "form": form})


@tenant_view("bots")
def bot_delete(request, public_id):
    bot = selectors.bot_get_for_tenant(request.tenant, public_id)
    if request.method == "POST":
        services.bot_delete(bot=bot)
        messages.success(request, f"Bot “{bot.name}” deleted.")
        return redirect("bots:bot-list")
    return render(request, "bots/bot_delete.html", {"bot": bot})


@tenant_view("bots")
def widget_edit(request, public_id):
    bot = selectors.bot_get_for_tenant(request.tenant, public_id)
    widget = selectors.widget_config_for(bot)
    form = WidgetConfigForm(request.POST or None, instance=widget)
    if request.method == "POST" and form.is_valid():
        services.widget_config_update(bot=bot, **{name: form.cleaned_data[name] for name in WidgetConfigForm.Meta.fields})
        messages.success(request, "Widget saved.")
        return redirect("bots:widget-edit", public_id=bot.public_id)
    script_url = request.build_absolute_uri(reverse("chat:widget-script", args=[bot.public_id]))
    return render(request, "bots/widget_edit.html", {"bot": bot, "form": form, "widget": widget,
                                                     "script_url": script_url})
