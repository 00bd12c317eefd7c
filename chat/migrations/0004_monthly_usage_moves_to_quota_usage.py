from django.db import migrations


class Migration(migrations.Migration):
    """The questions of a month are counted by kaiu.accounts.quotas now (one API for every
    quota): copy the counts into its table, then drop this one."""

    dependencies = [
        ('accounts', '0004_quota_usage'),
        ('chat', '0003_ratecounter_moves_to_accounts'),
    ]

    operations = [
        migrations.RunSQL(
            """INSERT INTO accounts_quotausage (tenant_id, meter, period_start, used)
               SELECT tenant_id, 'questions_month', month, questions FROM chat_monthlyusage
               ON CONFLICT (tenant_id, meter, period_start) DO UPDATE SET used = excluded.used""",
            reverse_sql="""INSERT INTO chat_monthlyusage (tenant_id, month, questions)
               SELECT tenant_id, period_start, used FROM accounts_quotausage WHERE meter = 'questions_month'""",
        ),
        migrations.DeleteModel(name='MonthlyUsage'),
    ]
