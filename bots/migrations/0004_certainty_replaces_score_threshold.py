from django.db import migrations


def to_certainty(threshold) -> str:
    """The old minimum similarity, as the nearest level of certainty."""
    if threshold is None:
        return "balanced"
    return "strict" if threshold >= 0.35 else "lenient" if threshold < 0.15 else "balanced"


def forwards(apps, schema_editor):
    for model, field in (("Bot", "rag_config"), ("Template", "default_rag_config")):
        Model = apps.get_model("bots", model)
        for row in Model.objects.all():
            config = dict(getattr(row, field) or {})
            if "certainty" in config and "score_threshold" not in config:
                continue
            config["certainty"] = to_certainty(config.pop("score_threshold", None))
            config.setdefault("curated_certainty", "balanced")
            Model.objects.filter(pk=row.pk).update(**{field: config})


class Migration(migrations.Migration):
    """"Minimum similarity" (a raw score whose meaning changed with the model) becomes "how sure
    must the bot be", judged by documents.relevance on one calibrated scale."""

    dependencies = [
        ('bots', '0003_prompt_activation'),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
