"""`manage.py rotate_encryption_keys`: re-encrypt stored secrets under the newest key.

Rotation: put the new key first in FIELD_ENCRYPTION_KEY (keep the old one after it), run
this command, then remove the old key.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from kaiu.accounts.models import TenantSettings


class Command(BaseCommand):
    help = "Re-encrypt every stored secret with the first key in FIELD_ENCRYPTION_KEY."

    def handle(self, *args, **options):
        rotated = 0
        with transaction.atomic():
            for row in TenantSettings.objects.select_for_update().exclude(api_key=""):
                # Saving re-encrypts the decrypted value with the first (newest) key.
                row.save(update_fields=["api_key"])
                rotated += 1
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {rotated} secret{'s' if rotated != 1 else ''}."))
