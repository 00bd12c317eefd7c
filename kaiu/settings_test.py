"""Settings for pytest: a throwaway embedded PostgreSQL unless DATABASE_URL is given."""

import os
import tempfile

# Before kaiu.settings reads the environment.
os.environ["KAIU_IGNORE_DOTENV"] = "true"
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-" + "x" * 20)
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "dGVzdC1vbmx5LWZpZWxkLWtleS0wMDAwMDAwMDAwMDA=")
if not os.environ.get("DATABASE_URL") and not os.environ.get("EMBEDDED_DB_DIR"):
    os.environ["EMBEDDED_DB_DIR"] = os.path.join(tempfile.mkdtemp(prefix="kaiu-test-"), "pgdata")
    os.environ["EMBEDDED_DB_THROWAWAY"] = "true"
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("ALLOW_PRIVATE_PROVIDER_HOSTS", "false")

from kaiu.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; never in production
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
Q_CLUSTER = {**Q_CLUSTER, "sync": True}  # noqa: F405
MEDIA_ROOT = tempfile.mkdtemp(prefix="kaiu-media-")
# The live server answers each request in a thread of its own; persistent connections would
# outlive those threads and keep the test database busy at teardown.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
