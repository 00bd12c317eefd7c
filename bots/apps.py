from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


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
    process for a few seconds; a change made in this process applies at once. Signals, not
    calls from the services: the admin saves these models directly, and a missed clear
    would go unnoticed for LOCAL_CACHE_SECONDS."""
    from bots.models import Bot, BotPrompt, WidgetConfig
    from kaiu.accounts.models import Plan, Tenant, TenantSettings
    from kaiu.local_cache import local_caches_clear

    for model in (Bot, BotPrompt, WidgetConfig, Tenant, Plan, TenantSettings):
        post_save.connect(local_caches_clear, sender=model, dispatch_uid=f"local_cache.saved.{model.__name__}")
        post_delete.connect(local_caches_clear, sender=model, dispatch_uid=f"local_cache.deleted.{model.__name__}")
