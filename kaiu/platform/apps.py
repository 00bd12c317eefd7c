from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PlatformConfig(AppConfig):
    """What the whole installation runs on rather than any one tenant's data: the commands
    that start and seed it, rate limits, the worker's heartbeat and its schedules."""

    name = "kaiu.platform"
    label = "platform"
    verbose_name = "Platform"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core import checks

        from kaiu.platform.limits import proxy_settings_check
        from kaiu.platform.tasks import ensure_schedules

        checks.register(proxy_settings_check, checks.Tags.security, deploy=True)
        post_migrate.connect(ensure_schedules, sender=self, dispatch_uid="platform.schedules")
