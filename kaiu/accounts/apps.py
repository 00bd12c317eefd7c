from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "kaiu.accounts"
    label = "accounts"
    verbose_name = "Accounts and tenants"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core import checks

        from kaiu.accounts.staff import sync_staff_groups
        from kaiu.health import ensure_heartbeat_schedule
        from kaiu.limits import proxy_settings_check

        checks.register(proxy_settings_check, checks.Tags.security, deploy=True)

        # Permissions exist only after migrate creates them, and later apps add models:
        # re-sync the staff groups after every migrate so new models join the right group.
        post_migrate.connect(sync_staff_groups, dispatch_uid="kaiu.sync_staff_groups")
        post_migrate.connect(ensure_heartbeat_schedule, dispatch_uid="kaiu.heartbeat_schedule")
