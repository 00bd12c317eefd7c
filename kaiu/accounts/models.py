import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from kaiu.crypto import EncryptedTextField, mask
from kaiu.currencies import validate_currency
from kaiu.timezones import validate_time_zone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an e-mail address. `is_staff` opens the Django admin to
    platform staff, whose role there comes from the groups ADMIN / WAREHOUSE / SUPPORT."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self):
        return self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Plan(models.Model):
    """Quotas a tenant lives within. Created by a data migration; edited in the admin."""

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=80)
    max_bots = models.PositiveIntegerField()
    max_documents_per_bot = models.PositiveIntegerField()
    max_storage_mb = models.PositiveIntegerField()
    max_queries_per_month = models.PositiveIntegerField()
    max_ingest_jobs_per_month = models.PositiveIntegerField()
    allow_advanced_rag = models.BooleanField(default=False)
    price = models.PositiveIntegerField(help_text="Monthly price in minor units (cents).")
    price_currency = models.CharField(max_length=3, default="USD")
    is_default = models.BooleanField(default=False, help_text="Given to new sign-ups.")

    class Meta:
        ordering = ["price"]

    def __str__(self):
        return self.name


class Language(models.TextChoices):
    """The languages bots speak: their visitor texts (chat.texts), the rules given to the model
    (kaiu.ai.chat) and keyword search (PostgreSQL's configuration per language) exist in these."""

    ES = "es", "Español"
    EN = "en", "English"


def default_business_hours() -> dict:
    return {str(day): [["09:00", "18:00"]] for day in range(5)}  # Monday to Friday


class Tenant(models.Model):
    """A business using KAIU. Every row a business owns points here."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="tenants")
    currency = models.CharField(max_length=3, default="USD", validators=[validate_currency],
                                help_text="ISO 4217 code; prices are stored in its minor units.")
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.EN,
                                help_text="The language new bots speak.")
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone],
                                 help_text="IANA name; the dashboard shows times in it.")
    # When people answer the chat, in the time zone above (kaiu.accounts.hours):
    # {"0": [["09:00", "18:00"]], ...} by weekday, Monday "0"; a day left out is closed.
    business_hours = models.JSONField(default=default_business_hours, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    OWNER = "OWNER", "Owner"
    ADMIN = "ADMIN", "Admin"
    WAREHOUSE = "WAREHOUSE", "Warehouse"
    SUPPORT = "SUPPORT", "Support"


class Membership(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=12, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "tenant"], name="membership_unique")]
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.user} in {self.tenant} ({self.role})"


class Invitation(models.Model):
    """An e-mailed offer to join a tenant. Only the token's hash is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=12, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(default=timezone.now)  # the last e-mail: "send again" waits a minute
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.tenant}"

    @property
    def is_pending(self):
        return self.accepted_at is None and self.expires_at > timezone.now()


class LLMProvider(models.TextChoices):
    BUILTIN = "BUILTIN", "Built-in (offline, no key)"
    OPENAI = "OPENAI", "OpenAI"
    OPENAI_COMPATIBLE = "OPENAI_COMPATIBLE", "OpenAI-compatible server (Ollama, vLLM, …)"


class TenantSettings(models.Model):
    """A tenant's own LLM provider (bring your own key). The key is encrypted at rest."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="settings")
    llm_provider = models.CharField(max_length=20, choices=LLMProvider.choices, default=LLMProvider.BUILTIN)
    base_url = models.URLField(blank=True, help_text="Only for OpenAI-compatible servers.")
    chat_model = models.CharField(max_length=120, blank=True)
    embedding_model = models.CharField(max_length=120, blank=True)
    api_key = EncryptedTextField(blank=True)
    # The provider's last failure on a live call (kaiu.ai.breaker), shown on the settings page.
    last_error = models.CharField(max_length=300, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "tenant settings"

    def __str__(self):
        return f"Settings of {self.tenant}"

    @property
    def masked_api_key(self):
        return mask(self.api_key)


class ApiKey(models.Model):
    """A tenant's key for KAIU's API. Shown once; only its SHA-256 is kept."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None


class QuotaUsage(models.Model):
    """Units of a taken quota (kaiu.accounts.quotas) a tenant used in one period, such as the
    questions of a month: one atomic upsert per unit keeps it exact under concurrency
    (counting QueryLog rows instead would slow every answer as the month fills up)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    meter = models.CharField(max_length=40)
    period_start = models.DateField()  # the first day of the month
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "meter", "period_start"], name="quota_usage_key")]

    def __str__(self):
        return f"{self.tenant_id} {self.meter} {self.period_start:%Y-%m}: {self.used}"
