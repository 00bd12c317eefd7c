from django.db import migrations, models


def load_templates(apps, schema_editor):
    """The built-in templates in English, with their Spanish texts as a translation."""
    from bots.services import template_sync

    template_sync(apps.get_model("bots", "Template"))


class Migration(migrations.Migration):

    dependencies = [
        ("bots", "0004_certainty_replaces_score_threshold"),
    ]

    operations = [
        migrations.AddField(
            model_name="template",
            name="translations",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(load_templates, migrations.RunPython.noop),
    ]
