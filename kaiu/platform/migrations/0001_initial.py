from django.db import migrations, models

RENAMED_TASKS = {  # schedules stored by earlier versions → where their task lives now
    "kaiu.health.heartbeat": "kaiu.platform.tasks.heartbeat",
}


def rename_scheduled_tasks(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for old, new in RENAMED_TASKS.items():
        if Schedule.objects.filter(func=new).exists():
            Schedule.objects.filter(func=old).delete()
        else:
            Schedule.objects.filter(func=old).update(func=new)


class Migration(migrations.Migration):
    """Take over the rate-counter table (accounts.0005 let it go) and give it this app's
    name; point stored schedules at the tasks' new home."""

    initial = True

    dependencies = [
        ('accounts', '0005_ratecounter_moves_to_platform'),
        ('django_q', '0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='RateCounter',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                               verbose_name='ID')),
                    ('key', models.CharField(max_length=200)),
                    ('window_start', models.DateTimeField()),
                    ('count', models.PositiveIntegerField(default=0)),
                ],
                options={
                    'db_table': 'accounts_ratecounter',
                    'indexes': [models.Index(fields=['window_start'], name='rate_counter_window')],
                    'constraints': [models.UniqueConstraint(fields=('key', 'window_start'),
                                                            name='rate_counter_key')],
                },
            ),
        ]),
        migrations.AlterModelTable(name='ratecounter', table=None),
        migrations.RunPython(rename_scheduled_tasks, migrations.RunPython.noop),
    ]
