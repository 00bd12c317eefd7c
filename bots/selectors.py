from django.shortcuts import get_object_or_404

from bots.models import Bot, Template, WidgetConfig


def bot_list_for_tenant(tenant):
    return Bot.objects.filter(tenant=tenant).select_related("template").order_by("name")


def bot_get_for_tenant(tenant, public_id: str) -> Bot:
    """The tenant's bot or 404: another tenant's bot is indistinguishable from no bot."""
    return get_object_or_404(Bot.objects.select_related("active_prompt", "template"), tenant=tenant,
                             public_id=public_id)


def template_list():
    return Template.objects.filter(is_active=True)


def widget_config_for(bot: Bot) -> WidgetConfig:
    """The bot's widget settings, or the defaults (unsaved) when it has none yet."""
    try:
        return bot.widget
    except WidgetConfig.DoesNotExist:
        return WidgetConfig(bot=bot, header_text=bot.name, greeting=bot.welcome_message)
