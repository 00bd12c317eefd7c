from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from bots import selectors, services
from bots.forms import BotCreateForm, BotForm, BotSettingsForm, PromptForm, WidgetConfigForm
from bots.models import default_rag_config
from kaiu.accounts.quotas import QuotaExceeded
from kaiu.tenancy import tenant_view


@tenant_view("bots")
def bot_list(request):
    return render(request, "bots/bot_list.html", {"bots": selectors.bot_list_for_tenant(request.tenant),
                                                  "limit_reached": services.bot_create_refusal(request.tenant)})


@tenant_view("bots")
def bot_create(request):
    limit_reached = services.bot_create_refusal(request.tenant)
    if limit_reached and request.method != "POST":  # say so before the form, not after it
        return render(request, "bots/bot_create.html", {"limit_reached": limit_reached})
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
    # Described in the language the new bot will speak (the business's), as its texts will be.
    templates = [template.in_language(request.tenant.language) for template in selectors.template_list()]
    return render(request, "bots/bot_create.html", {"form": form, "templates": templates})


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
    widget = selectors.widget_config_get_for_bot(bot)
    form = WidgetConfigForm(request.POST or None, instance=widget, initial={"welcome_message": bot.welcome_message})
    if request.method == "POST" and form.is_valid():
        services.widget_config_update(
            bot=bot, **{name: form.cleaned_data[name] for name in WidgetConfigForm.Meta.fields}
        )
        messages.success(request, "Widget saved.")
        return redirect("bots:widget-edit", public_id=bot.public_id)
    script_url = request.build_absolute_uri(reverse("chat:widget-script", args=[bot.public_id]))
    return render(request, "bots/widget_edit.html", {
        "bot": bot, "form": form, "widget": widget, "script_url": script_url,
        "open_example": OPEN_EXAMPLES.get(bot.language, OPEN_EXAMPLES["en"])})


# The question in the page's KAIU.open(...) example, in the language the bot's visitors write.
OPEN_EXAMPLES = {"en": "Do you ship to my city?", "es": "¿Hacen envíos a mi ciudad?"}


# --- Prompt versions ----------------------------------------------------------------------


@tenant_view("bots")
def prompt_list(request, public_id):
    bot = selectors.bot_get_for_tenant(request.tenant, public_id)
    active = bot.active_prompt
    form = PromptForm(request.POST or None, initial={"content": active.content if active else ""})
    if request.method == "POST" and form.is_valid():
        try:
            prompt = services.prompt_create(bot=bot, content=form.cleaned_data["content"],
                                            name=form.cleaned_data["name"], user=request.user)
        except services.BotError as error:
            form.add_error("content", str(error))
        else:
            messages.success(request, f"Version {prompt.version} saved as a draft. Try it in the playground, "
                                      "then activate it.")
            return redirect("bots:prompt-detail", public_id=bot.public_id, prompt_id=prompt.pk)
    return render(request, "bots/prompt_list.html", {"bot": bot, "form": form,
                                                     "prompts": selectors.prompt_list_for_bot(bot)})


@tenant_view("bots")
def prompt_detail(request, public_id, prompt_id):
    bot = selectors.bot_get_for_tenant(request.tenant, public_id)
    prompt = selectors.prompt_get_for_bot(bot, prompt_id)
    form = PromptForm(request.POST or None, initial={"name": prompt.name, "content": prompt.content})
    if request.method == "POST" and form.is_valid():
        try:
            services.prompt_update(prompt=prompt, content=form.cleaned_data["content"], name=form.cleaned_data["name"])
        except services.BotError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Version {prompt.version} saved.")
            return redirect("bots:prompt-detail", public_id=bot.public_id, prompt_id=prompt.pk)
    return render(request, "bots/prompt_detail.html", {
        "bot": bot, "prompt": prompt, "form": form, "diff": selectors.prompt_diff(prompt),
        "is_active": bot.active_prompt_id == prompt.pk})


@tenant_view("bots")
def prompt_activate(request, public_id, prompt_id):
    bot = selectors.bot_get_for_tenant(request.tenant, public_id)
    prompt = selectors.prompt_get_for_bot(bot, prompt_id)
    if request.method == "POST":
        services.prompt_activate(prompt=prompt)
        messages.success(request, f"Version {prompt.version} is live.")
    return redirect("bots:prompt-detail", public_id=bot.public_id, prompt_id=prompt.pk)


# --- Retrieval and model settings ---------------------------------------------------------

RAG_FIELDS = ("search_mode", "top_k", "certainty", "curated_certainty", "knows_shop", "chunk_size", "chunk_overlap")


@tenant_view("bots")
def bot_settings(request, public_id):
    bot = selectors.bot_get_for_tenant(request.tenant, public_id)
    advanced = request.tenant.plan.allow_advanced_rag
    rag = {**default_rag_config(), **(bot.rag_config or {})}
    initial = {
        **{key: rag.get(key) for key in RAG_FIELDS},
        "chat_model": bot.chat_model,
        "temperature": bot.temperature,
        "handover_after_unanswered": bot.handover_after_unanswered,
    }
    form = BotSettingsForm(request.POST or None, initial=initial, advanced=advanced)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rechunk = services.bot_settings_update(
                bot=bot, rag={key: data[key] for key in RAG_FIELDS},
                chat_model=data["chat_model"], temperature=data["temperature"],
                handover_after_unanswered=data["handover_after_unanswered"])
        except services.BotError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Settings saved." + (
                " New chunk sizes apply to documents when they are re-indexed (Knowledge base → Re-index all)."
                if rechunk else ""))
            return redirect("bots:bot-settings", public_id=bot.public_id)
    return render(request, "bots/bot_settings.html", {"bot": bot, "form": form, "advanced": advanced})
