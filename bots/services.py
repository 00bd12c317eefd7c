"""Writes for bots: templates, creation from a template, edits, prompt versions, settings
and deletion."""

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from bots.catalog import BASE_LANGUAGE, TEMPLATES
from bots.models import Bot, BotPrompt, Template, WidgetConfig
from kaiu.accounts import quotas
from kaiu.accounts.models import Tenant
from kaiu.local_cache import local_caches_clear


def template_sync(template_model=Template) -> None:
    """Create or update the built-in templates: English texts in the row's own fields, the
    other languages in `translations`. `template_model` lets a data migration pass its
    historical model, which may not have every field yet."""
    known = {field.name for field in template_model._meta.get_fields()}
    for definition in TEMPLATES:
        texts = definition["texts"]
        fields = {key: value for key, value in definition.items() if key not in ("slug", "texts")}
        fields |= texts[BASE_LANGUAGE]
        fields["translations"] = {language: text for language, text in texts.items() if language != BASE_LANGUAGE}
        template_model.objects.update_or_create(
            slug=definition["slug"], defaults={key: value for key, value in fields.items() if key in known})


def _bot_limit_message(tenant: Tenant) -> str:
    bots = "bot" if tenant.plan.max_bots == 1 else "bots"
    return f"Your {{plan}} plan allows {{limit}} {bots}. Delete one or upgrade your plan to add more."


def bot_create_refusal(tenant: Tenant) -> str | None:
    """Why the tenant cannot create a bot now (its plan's limit is reached), or None: the pages
    say it before the form, and bot_create still checks under the lock."""
    if quotas.used(tenant, "bots") < quotas.limit(tenant, "bots"):
        return None
    return _bot_limit_message(tenant).format(limit=quotas.limit(tenant, "bots"), plan=tenant.plan.name)


@transaction.atomic
def bot_create(*, tenant: Tenant, template: Template | None, name: str, description: str = "", user=None) -> Bot:
    """A new bot with the template's defaults copied in, its first prompt and its widget."""
    # The check locks the tenant row: two simultaneous creations cannot both pass it.
    tenant = quotas.quota_check(tenant, "bots", message=_bot_limit_message(tenant))
    bot = Bot(tenant=tenant, template=template, name=name.strip(), description=description.strip(),
              language=tenant.language)
    if template is not None:
        template = template.in_language(bot.language)
        bot.rag_config = {**bot.rag_config, **template.default_rag_config}
        bot.welcome_message = template.welcome_message
    bot.full_clean()
    bot.save()
    prompt_text = template.sample_system_prompt.replace("{business}", tenant.name) if template else ""
    if prompt_text:
        prompt = BotPrompt.objects.create(bot=bot, name="Initial", content=prompt_text, version=1, created_by=user,
                                          activated_at=timezone.now())
        bot.active_prompt = prompt
        bot.save(update_fields=["active_prompt"])
    WidgetConfig.objects.create(
        bot=bot,
        header_text=bot.name,
        starter_questions=list(template.sample_queries) if template else [],
    )
    return bot


def bot_update(*, bot: Bot, name: str, description: str, language: str) -> Bot:
    bot.name, bot.description, bot.language = name.strip(), description.strip(), language
    bot.full_clean()
    bot.save()
    return bot


def bot_delete(*, bot: Bot) -> None:
    """The bot and everything hung off it by CASCADE (prompts, widget, documents, chunks,
    conversations). The documents app removes the files and the chunk partition once the
    delete commits (DocumentsConfig's post_delete receivers): bots may not import it."""
    bot.delete()


def bot_count(tenant: Tenant) -> int:
    return Bot.objects.filter(tenant=tenant).count()


def bot_set_knowledge_state(bot_id, *, status: str, bump_version: bool) -> None:
    """Called by the knowledge base when documents change: the bot's status follows them, and
    a new knowledge_version makes answers cached for the old knowledge unreachable."""
    updates = {"status": status, "updated_at": timezone.now()}
    if bump_version:
        updates["knowledge_version"] = F("knowledge_version") + 1
    Bot.objects.filter(pk=bot_id).update(**updates)
    local_caches_clear()  # other processes see the change within LOCAL_CACHE_SECONDS


@transaction.atomic
def widget_config_update(*, bot: Bot, welcome_message: str, **fields) -> WidgetConfig:
    """The chat's look and the bot's welcome message, which the widget page edits with it (the
    one place it is edited: the public page, the widget and the playground all show it)."""
    bot.welcome_message = welcome_message.strip()
    bot.full_clean()
    bot.save(update_fields=["welcome_message", "updated_at"])
    widget, _ = WidgetConfig.objects.get_or_create(bot=bot)
    for name, value in fields.items():
        setattr(widget, name, value)
    widget.full_clean()
    widget.save()
    return widget


class BotError(Exception):
    """A refusal the tenant can act on; the message is shown as is."""


# --- Prompt versions ----------------------------------------------------------------------


@transaction.atomic
def prompt_create(*, bot: Bot, content: str, name: str = "", user=None) -> BotPrompt:
    """A new draft version; it goes live only when activated."""
    content = content.strip()
    if not content:
        raise BotError("The prompt cannot be empty.")
    Bot.objects.select_for_update().filter(pk=bot.pk).first()  # versions are numbered one at a time
    versions = BotPrompt.objects.filter(bot=bot)
    latest = versions.order_by("-version").values_list("version", flat=True).first() or 0
    # The form starts from the live version, and a draft may be newer: a copy of either is no change.
    copied = (versions.filter(Q(version=latest) | Q(pk=bot.active_prompt_id), content=content)
              .order_by("-version").first())
    if copied is not None:
        raise BotError(f"Nothing changed from version {copied.version}. "
                       "Edit the prompt, then save it as a new version.")
    return BotPrompt.objects.create(bot=bot, name=name.strip()[:80], content=content, version=latest + 1,
                                    created_by=user)


def prompt_update(*, prompt: BotPrompt, content: str, name: str = "") -> BotPrompt:
    if not prompt.is_draft:
        raise BotError("This version has been live, so it is kept as it was. Save your changes as a new version.")
    content = content.strip()
    if not content:
        raise BotError("The prompt cannot be empty.")
    prompt.content, prompt.name = content, name.strip()[:80]
    prompt.save(update_fields=["content", "name", "updated_at"])
    return prompt


@transaction.atomic
def prompt_activate(*, prompt: BotPrompt) -> Bot:
    """Put the version live. Cached answers were keyed on the old prompt, so they stop matching."""
    if prompt.activated_at is None:
        prompt.activated_at = timezone.now()
        prompt.save(update_fields=["activated_at", "updated_at"])
    bot = Bot.objects.select_for_update().get(pk=prompt.bot_id)
    bot.active_prompt = prompt
    bot.save(update_fields=["active_prompt", "updated_at"])
    return bot


# --- Retrieval and model settings ---------------------------------------------------------

ADVANCED_RAG_FIELDS = ("search_mode", "chunk_size", "chunk_overlap")


def bot_settings_update(*, bot: Bot, rag: dict, chat_model: str, temperature: float,
                        handover_after_unanswered: int | None = None) -> bool:
    """Save retrieval and model settings; returns True when chunking changed (a re-index
    applies it to the documents already stored). Advanced fields stay as they were on plans
    without advanced retrieval."""
    plan = bot.tenant.plan
    current = dict(bot.rag_config or {})
    if not plan.allow_advanced_rag:
        rag = {key: value for key, value in rag.items() if key not in ADVANCED_RAG_FIELDS}
    if rag.get("chunk_overlap", current.get("chunk_overlap", 0)) >= rag.get(
        "chunk_size", current.get("chunk_size", 1000)
    ):
        raise BotError("The chunk overlap must be smaller than the chunk size.")
    merged = {**current, **rag}
    chunking_changed = any(merged.get(key) != current.get(key) for key in ("chunk_size", "chunk_overlap"))
    bot.rag_config = merged
    bot.chat_model, bot.temperature = chat_model.strip(), temperature
    if handover_after_unanswered is not None:
        bot.handover_after_unanswered = handover_after_unanswered
    bot.full_clean()
    bot.save()
    return chunking_changed
