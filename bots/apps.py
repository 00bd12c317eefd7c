from django.apps import AppConfig


class BotsConfig(AppConfig):
    name = "bots"
    verbose_name = "Bots"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from bots.services import bot_count
        from kaiu.accounts import quotas

        quotas.register_counter("bots", bot_count)
