from django.db import migrations

PLANS = [
    {
        "code": "free", "name": "Free", "is_default": True, "price": 0,
        "max_bots": 1, "max_documents_per_bot": 20, "max_storage_mb": 50,
        "max_queries_per_month": 500, "max_ingest_jobs_per_month": 100, "allow_advanced_rag": False,
    },
    {
        "code": "pro", "name": "Pro", "is_default": False, "price": 4900,
        "max_bots": 10, "max_documents_per_bot": 500, "max_storage_mb": 2000,
        "max_queries_per_month": 20000, "max_ingest_jobs_per_month": 5000, "allow_advanced_rag": True,
    },
]


def create_plans_and_groups(apps, schema_editor):
    Plan = apps.get_model("accounts", "Plan")
    for plan in PLANS:
        Plan.objects.update_or_create(code=plan["code"], defaults=plan)
    # Permissions are attached after migrate by kaiu.accounts.staff.sync_staff_groups, which
    # also picks up models that later migrations add.
    Group = apps.get_model("auth", "Group")
    for name in ("ADMIN", "WAREHOUSE", "SUPPORT"):
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_plans_and_groups, migrations.RunPython.noop)]
