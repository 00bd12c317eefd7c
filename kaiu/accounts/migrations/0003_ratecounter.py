from django.db import migrations, models


class Migration(migrations.Migration):
    """Take over chat's rate-counter table (chat.0003 let it go), then give it this app's name."""

    dependencies = [
        ('accounts', '0002_plans_and_staff_groups'),
        ('chat', '0003_ratecounter_moves_to_accounts'),
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
                    'db_table': 'chat_ratecounter',
                    'indexes': [models.Index(fields=['window_start'], name='chat_rateco_window__e1b6a0_idx')],
                    'constraints': [models.UniqueConstraint(fields=('key', 'window_start'),
                                                            name='rate_counter_key')],
                },
            ),
        ]),
        migrations.AlterModelTable(name='ratecounter', table=None),
        migrations.RenameIndex(model_name='ratecounter', new_name='rate_counter_window',
                               old_name='chat_rateco_window__e1b6a0_idx'),
    ]
