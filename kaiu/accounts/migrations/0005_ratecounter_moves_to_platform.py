from django.db import migrations


class Migration(migrations.Migration):
    """Rate counters serve the whole platform (kaiu.platform.limits); the table stays, and
    platform.0001 takes it over and renames it."""

    dependencies = [
        ('accounts', '0004_quota_usage'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name='RateCounter')]),
    ]
