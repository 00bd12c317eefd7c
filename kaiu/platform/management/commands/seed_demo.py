"""`manage.py seed_demo`: the demo business, its people, and what each app adds. Idempotent.

Every app with demo data has a `demo.py` whose `seed(tenant)` adds its part (when missing)
and returns a line for this command to print. They run in the order of INSTALLED_APPS,
which follows the dependency arrows (bots before documents before chat), so a later app
finds what an earlier one made; this command names none of them.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from kaiu.accounts.demo import demo_logins, seed_tenant


class Command(BaseCommand):
    help = ("Create the demo business 'KAIU Natural Living' with one login per role, a bot and its "
            "knowledge base. Safe to run again.")

    def handle(self, *args, **options):
        with transaction.atomic():
            tenant = seed_tenant()
        self.stdout.write(self.style.SUCCESS(f"Demo business ready: {tenant.name}."))
        for seed in _app_seeds():
            self.stdout.write(f"  {seed(tenant)}")
        self.stdout.write(f"Demo logins, all with the password {settings.DEMO_PASSWORD!r}:")
        for email, what in demo_logins():
            self.stdout.write(f"  {email:<28} {what}")


def _app_seeds():
    for app in apps.get_app_configs():
        name = f"{app.name}.demo"
        if app.name != "kaiu.accounts" and find_spec(name) is not None:
            seed = getattr(import_module(name), "seed", None)
            if seed is not None:
                yield seed
