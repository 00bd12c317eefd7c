from django.apps import AppConfig


class BotsConfig(AppConfig):
    name = "bots"
    verbose_name = "Bots"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from bots.services import bot_count
        from kaiu.accounts import quotas

        quotas.register_counter("bots", bot_count)
        _clear_local_caches_on_change()


def _clear_local_caches_on_change():
    """What a public channel reads of a bot (bots.selectors.bot_get_for_public) is kept per
    process for a few seconds (kaiu.local_cache has the rule)."""
    from bots.models import Bot, BotPrompt, WidgetConfig
    from kaiu.accounts.models import Plan, Tenant, TenantSettings
    from kaiu.local_cache import clear_on_change

    clear_on_change(Bot, BotPrompt, WidgetConfig, Tenant, Plan, TenantSettings)
