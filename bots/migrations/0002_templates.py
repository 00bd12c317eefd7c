from django.db import migrations


def load_templates(apps, schema_editor):
    from bots.services import template_sync

    template_sync(apps.get_model("bots", "Template"))


class Migration(migrations.Migration):
    dependencies = [("bots", "0001_initial")]
    operations = [migrations.RunPython(load_templates, migrations.RunPython.noop)]
