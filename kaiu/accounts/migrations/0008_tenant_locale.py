from django.conf import settings
from django.db import migrations, models

import kaiu.currencies
import kaiu.timezones


def keep_the_zone_they_see(apps, schema_editor):
    """Businesses that exist already saw every time in the server's zone (TIME_ZONE,
    America/Bogota unless set): they keep it, so no date they know moves. New ones choose."""
    apps.get_model("accounts", "Tenant").objects.update(time_zone=settings.TIME_ZONE)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0007_invitation_sent_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="tenant",
            name="time_zone",
            field=models.CharField(default="UTC", help_text="IANA name; the dashboard shows times in it.",
                                   max_length=64, validators=[kaiu.timezones.validate_time_zone]),
        ),
        migrations.RunPython(keep_the_zone_they_see, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="tenant",
            name="currency",
            field=models.CharField(default="USD", help_text="ISO 4217 code; prices are stored in its minor units.",
                                   max_length=3, validators=[kaiu.currencies.validate_currency]),
        ),
        migrations.AlterField(
            model_name="tenant",
            name="language",
            field=models.CharField(choices=[("es", "Español"), ("en", "English")], default="en",
                                   help_text="The language new bots speak.", max_length=2),
        ),
    ]
