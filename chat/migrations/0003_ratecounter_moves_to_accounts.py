from django.db import migrations


class Migration(migrations.Migration):
    """Rate counters now serve sign-in too, so they belong to kaiu.accounts (kaiu.limits); the
    table stays, and accounts.0003 takes it over and renames it."""

    dependencies = [
        ('chat', '0002_drop_indexes_covered_by_composites'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name='RateCounter')]),
    ]
