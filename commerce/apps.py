from django.apps import AppConfig


class CommerceConfig(AppConfig):
    name = "commerce"
    verbose_name = "Shop"
    default_auto_field = "django.db.models.BigAutoField"
