import copy
import difflib

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404

from bots.models import Bot, BotPrompt, Template, WidgetConfig
from kaiu.local_cache import LocalCache

_public_bots: LocalCache[Bot] = LocalCache("public bots")


def bot_list_for_tenant(tenant):
    return Bot.objects.filter(tenant=tenant).select_related("template").order_by("name")


def bot_get_for_tenant(tenant, public_id: str) -> Bot:
    """The tenant's bot or 404: another tenant's bot is indistinguishable from no bot."""
    return get_object_or_404(Bot.objects.select_related("active_prompt", "template"), tenant=tenant,
                             public_id=public_id)


def template_list():
    return Template.objects.filter(is_active=True)


def widget_config_get_for_bot(bot: Bot) -> WidgetConfig:
    """The bot's widget settings, or the defaults (unsaved) when it has none yet."""
    try:
        return bot.widget
    except WidgetConfig.DoesNotExist:
        return WidgetConfig(bot=bot, header_text=bot.name)


def prompt_list_for_bot(bot: Bot):
    return BotPrompt.objects.filter(bot=bot).select_related("created_by").order_by("-version")


def prompt_get_for_bot(bot: Bot, prompt_id) -> BotPrompt:
    return get_object_or_404(BotPrompt, bot=bot, pk=prompt_id)


def prompt_diff(prompt: BotPrompt) -> list[tuple[str, str]]:
    """(kind, line) of a unified diff against the previous version: kind is add, remove,
    hunk or same. Empty for the first version."""
    previous = BotPrompt.objects.filter(bot_id=prompt.bot_id, version__lt=prompt.version).order_by("-version").first()
    if previous is None:
        return []
    lines = difflib.unified_diff(previous.content.splitlines(), prompt.content.splitlines(),
                                 f"version {previous.version}", f"version {prompt.version}", lineterm="", n=2)
    kinds = {"+": "add", "-": "remove", "@": "hunk"}
    return [(kinds.get(line[:1], "same"), line) for line in list(lines)[2:]]


def bot_get_for_public(public_id: str) -> Bot:
    """A bot by its public id, for its public channels, with what a reply needs of it (tenant,
    plan, provider settings, prompt, widget) in one query, kept a few seconds per process
    (kaiu.local_cache); 404 if there is none."""
    bot = _public_bots.get_or_load(public_id, lambda: _bot_load_for_public(public_id))
    return copy.copy(bot)  # the cached one is shared by the process's threads: each request gets its own


def _bot_load_for_public(public_id: str) -> Bot:
    # A miss raises, so it is never cached: made-up ids cannot fill the cache and push the
    # real bots out.
    bot = (Bot.objects.select_related("tenant__plan", "tenant__settings", "active_prompt", "widget")
           .filter(public_id=public_id).first())
    if bot is None:
        raise Http404("No such bot.")
    return bot


def bot_find_for_tenant(tenant, public_id: str) -> Bot | None:
    return Bot.objects.filter(tenant=tenant, public_id=str(public_id or "")).first()


def prompt_find_for_bot(bot: Bot, prompt_id) -> BotPrompt | None:
    try:
        return BotPrompt.objects.filter(bot=bot, pk=prompt_id).first()
    except (ValidationError, ValueError):
        return None


def bot_knowledge_version_statement(bot_id) -> tuple[str, list]:
    """The bot's knowledge version as one row (`version`), for a caller's own statement: chat
    reads it in the statement that stores a question. No row once the bot is deleted."""
    return "SELECT knowledge_version AS version FROM bots_bot WHERE id = %s", [bot_id]
