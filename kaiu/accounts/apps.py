from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "kaiu.accounts"
    label = "accounts"
    verbose_name = "Accounts and tenants"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from kaiu.accounts.staff import sync_staff_groups

        # Permissions exist only after migrate creates them, and later apps add models:
        # re-sync the staff groups after every migrate so new models join the right group.
        post_migrate.connect(sync_staff_groups, dispatch_uid="kaiu.sync_staff_groups")
