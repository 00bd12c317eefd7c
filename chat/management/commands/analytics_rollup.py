"""`manage.py analytics_rollup`: rebuild the analytics daily rollup (chat.rollup) from the raw
QueryLog rows, for one tenant or all, with the same function the hourly task runs.

    manage.py analytics_rollup [--tenant SLUG] [--since-last]

By default every day of the tenant is rolled up again (after rows were written into past
days, say by an import); --since-last only rolls the days since the last run, as the task does.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from chat.rollup import analytics_rollup
from kaiu.accounts.models import Tenant


class Command(BaseCommand):
    help = "Rebuild the analytics daily rollup of one tenant or all tenants."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", metavar="SLUG")
        parser.add_argument("--since-last", action="store_true", help="only the days since the last run")

    def handle(self, *args, tenant=None, since_last=False, **options):
        tenants = Tenant.objects.order_by("pk")
        if tenant:
            tenants = tenants.filter(slug=tenant)
            if not tenants.exists():
                raise CommandError(f"No tenant with slug {tenant!r}.")
        started, days = time.perf_counter(), 0
        for row in tenants:
            days += analytics_rollup(row, rebuild=not since_last)
        self.stdout.write(f"{days} tenant days rolled up in {time.perf_counter() - started:.1f} s")
