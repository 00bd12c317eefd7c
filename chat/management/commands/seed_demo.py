"""`manage.py seed_demo`: the demo business, its people and its bot. Idempotent.

It lives in `chat`, the app at the top of the dependency chain, because it calls each app's
own `demo.py` in dependency order; the later issues add knowledge, products and
conversations the same way.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from bots.demo import seed_bot
from documents.demo import seed_knowledge
from kaiu.accounts.demo import demo_logins, seed_tenant


class Command(BaseCommand):
    help = ("Create the demo business 'KAIU Natural Living' with one login per role, a bot and its "
            "knowledge base. Safe to run again.")

    def handle(self, *args, **options):
        with transaction.atomic():
            tenant = seed_tenant()
            bot = seed_bot(tenant)
        # Outside the transaction: ingestion claims and stores in transactions of its own.
        added = seed_knowledge(bot)
        documents = bot.documents.count()
        self.stdout.write(self.style.SUCCESS(
            f"Demo business ready: {tenant.name} (bot “{bot.name}”, {documents} documents"
            f"{f', {len(added)} new' if added else ''})."))
        self.stdout.write(f"Demo logins, all with the password {settings.DEMO_PASSWORD!r}:")
        for email, what in demo_logins():
            self.stdout.write(f"  {email:<28} {what}")
