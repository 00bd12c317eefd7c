"""Field encryption with Fernet. FIELD_ENCRYPTION_KEY holds one or more comma-separated
keys: the first encrypts, all decrypt, so a key can be rotated without downtime
(add the new key first, run `manage.py rotate_encryption_keys`, then drop the old one)."""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: str) -> MultiFernet:
    return MultiFernet([Fernet(key.strip().encode()) for key in keys.split(",") if key.strip()])


def fernet() -> MultiFernet:
    return _fernet(settings.FIELD_ENCRYPTION_KEY)


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str, *, ttl: int | None = None) -> str:
    """The plaintext; with `ttl`, only if the token was made at most that many seconds ago."""
    try:
        return fernet().decrypt(token.encode(), ttl=ttl).decode()
    except InvalidToken as exc:
        raise ValueError("Encrypted value cannot be read with the configured FIELD_ENCRYPTION_KEY") from exc


def mask(secret: str) -> str:
    """What a person may see of a secret: enough to recognise it, never to use it."""
    if not secret:
        return ""
    if len(secret) < 16:
        return "•" * 8  # too short to show any of it safely
    return f"{secret[:3]}…{secret[-4:]}"


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; Python code only ever sees the plaintext."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)
