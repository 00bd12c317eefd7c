"""One welcome message per bot: the widget's greeting goes, Bot.welcome_message stays.

A greeting that was set is what visitors saw (it replaced the welcome message on the public
page and in the widget), so it becomes the bot's welcome message before the column is dropped."""

from django.db import migrations


def greeting_to_welcome_message(apps, schema_editor):
    Bot = apps.get_model("bots", "Bot")
    WidgetConfig = apps.get_model("bots", "WidgetConfig")
    for widget in WidgetConfig.objects.exclude(greeting="").only("bot_id", "greeting"):
        Bot.objects.filter(pk=widget.bot_id).update(welcome_message=widget.greeting.strip()[:300])


def welcome_message_to_greeting(apps, schema_editor):
    Bot = apps.get_model("bots", "Bot")
    WidgetConfig = apps.get_model("bots", "WidgetConfig")
    for bot_id, welcome in Bot.objects.exclude(welcome_message="").values_list("pk", "welcome_message"):
        WidgetConfig.objects.filter(bot_id=bot_id).update(greeting=welcome)


class Migration(migrations.Migration):

    dependencies = [
        ("bots", "0005_template_translations"),
    ]

    operations = [
        migrations.RunPython(greeting_to_welcome_message, welcome_message_to_greeting),
        migrations.RemoveField(model_name="widgetconfig", name="greeting"),
    ]
