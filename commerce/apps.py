from django.apps import AppConfig
from django.db.models.signals import post_save


class CommerceConfig(AppConfig):
    name = "commerce"
    verbose_name = "Shop"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from commerce import knowledge
        from documents.ingest import passage_source_register

        passage_source_register(knowledge.CATALOG, knowledge.catalog_passages)
        post_save.connect(knowledge.bot_saved, sender="bots.Bot", dispatch_uid="commerce.bot_saved")
