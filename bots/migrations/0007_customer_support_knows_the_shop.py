from django.db import migrations


def sync_templates(apps, schema_editor):
    """The customer-support template now knows the shop by default (bots.catalog)."""
    from bots.services import template_sync

    template_sync(apps.get_model("bots", "Template"))


class Migration(migrations.Migration):
    dependencies = [("bots", "0006_welcome_message_in_one_place")]
    operations = [migrations.RunPython(sync_templates, migrations.RunPython.noop)]
