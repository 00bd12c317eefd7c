import copy
import re
import secrets
import string
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from kaiu.accounts.models import Language, Tenant

PUBLIC_ID_ALPHABET = string.ascii_lowercase + string.digits


def new_public_id() -> str:
    """Short random slug for public URLs; it reveals nothing about the tenant or the count."""
    return "".join(secrets.choice(PUBLIC_ID_ALPHABET) for _ in range(10))


def default_rag_config() -> dict:
    return {"chunk_size": 1000, "chunk_overlap": 200, "top_k": 5, "search_mode": "hybrid",
            "certainty": "balanced", "curated_certainty": "balanced", "knows_shop": False}


class Template(models.Model):
    """A starting point for a bot; its defaults are copied into the bot at creation. Its own
    texts are English; `translations` holds them in the other languages bots speak."""

    TRANSLATED_FIELDS = ("description", "sample_system_prompt", "sample_queries", "welcome_message")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=80)
    category = models.CharField(max_length=40)
    description = models.TextField(blank=True)
    default_rag_config = models.JSONField(default=default_rag_config)
    sample_system_prompt = models.TextField()
    sample_queries = models.JSONField(default=list, blank=True)
    welcome_message = models.CharField(max_length=300, blank=True)
    # {"es": {"description": ..., "sample_system_prompt": ..., "sample_queries": [...], "welcome_message": ...}}
    translations = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def in_language(self, language: str) -> "Template":
        """A copy to read, with the texts in `language` (the English ones where it has none).
        Never saved: the row keeps its English texts."""
        translated = copy.copy(self)
        texts = self.translations.get(language, {})
        for name in self.TRANSLATED_FIELDS:
            if texts.get(name):
                setattr(translated, name, texts[name])
        return translated


class Bot(models.Model):
    class Status(models.TextChoices):
        CREATING = "CREATING", "Creating"
        PROCESSING_DOCUMENTS = "PROCESSING_DOCUMENTS", "Processing documents"
        READY = "READY", "Ready"
        ERROR = "ERROR", "Error"
        UPDATING = "UPDATING", "Updating"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="bots")
    template = models.ForeignKey(Template, on_delete=models.SET_NULL, null=True, blank=True, related_name="bots")
    name = models.CharField(max_length=80)
    description = models.TextField(blank=True)
    public_id = models.SlugField(max_length=16, unique=True, default=new_public_id, editable=False)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ES)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.READY)
    rag_config = models.JSONField(default=default_rag_config)
    temperature = models.FloatField(default=0.2, validators=[MinValueValidator(0), MaxValueValidator(2)])
    chat_model = models.CharField(max_length=120, blank=True, help_text="Empty: the tenant's default model.")
    active_prompt = models.ForeignKey(
        "BotPrompt", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The first thing visitors read, wherever they chat (edited with the widget's look).
    welcome_message = models.CharField(max_length=300, blank=True)
    knowledge_version = models.PositiveIntegerField(default=1)
    # After this many unanswered questions in a row a person takes over (chat.handover); 0: never.
    handover_after_unanswered = models.PositiveSmallIntegerField(default=2)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["tenant", "name"])]

    def __str__(self):
        return self.name


class BotPrompt(models.Model):
    """One version of a bot's system prompt. Versions are never edited after activation."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="prompts")
    name = models.CharField(max_length=80, blank=True)
    content = models.TextField()
    version = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set the first time the version goes live; from then on it is kept as it was.
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["bot", "version"], name="botprompt_version_unique")]

    def __str__(self):
        return f"{self.bot} v{self.version}"

    @property
    def is_draft(self) -> bool:
        return self.activated_at is None


_DOMAIN = re.compile(r"^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$")


def normalize_domain(value: str) -> str | None:
    """`https://Shop.example.com/path` -> `shop.example.com`; None if it is not a domain."""
    value = value.strip().lower()
    if "://" in value:
        value = urlsplit(value).netloc
    value = value.strip("/")
    return value if _DOMAIN.match(value) else None


def domain_matches(host: str, allowed: str) -> bool:
    """`*.example.com` allows any subdomain of example.com; anything else must match exactly."""
    if allowed.startswith("*."):
        return host.endswith(allowed[1:])
    return host == allowed


hex_color = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #2f7d5b.")
DARK_INK = "#1d2420"


def _luminance(color: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
               for c in (int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ink_on(color: str) -> str:
    """The text colour that reads best on `color`, white or near-black (by WCAG contrast), so a
    light brand colour still gives a readable header, buttons and bubbles.
    static/js/dashboard.js computes the same for the widget preview."""
    luminance = _luminance(color)
    on_white = 1.05 / (luminance + 0.05)
    on_dark = (luminance + 0.05) / (_luminance(DARK_INK) + 0.05)
    return "#ffffff" if on_white >= on_dark else DARK_INK


def text_on_white(color: str) -> str:
    """`color` for text on white (starters, citations, links) where it has WCAG's 4.5:1
    contrast for body text, else near-black."""
    return color if 1.05 / (_luminance(color) + 0.05) >= 4.5 else DARK_INK


class WidgetConfig(models.Model):
    """How the bot looks on the public page and in the embeddable widget."""

    class Position(models.TextChoices):
        RIGHT = "right", "Bottom right"
        LEFT = "left", "Bottom left"

    bot = models.OneToOneField(Bot, on_delete=models.CASCADE, related_name="widget")
    header_text = models.CharField(max_length=80, blank=True)
    primary_color = models.CharField(max_length=7, default="#2f7d5b", validators=[hex_color])
    starter_questions = models.JSONField(default=list, blank=True)
    position = models.CharField(max_length=5, choices=Position.choices, default=Position.RIGHT)
    auto_open = models.BooleanField(default=False)
    # Empty means the widget embeds nowhere; the public page works regardless.
    allowed_domains = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Widget of {self.bot}"

    def embed_domains(self) -> list[str]:
        """The allowed domains that are valid (the form refuses others; older rows may hold any)."""
        return [domain for domain in (normalize_domain(str(d)) for d in self.allowed_domains or []) if domain]

    @property
    def ink(self) -> str:
        """The text colour on the primary colour (header, buttons, the visitor's bubbles)."""
        return ink_on(self._color())

    @property
    def brand_text(self) -> str:
        """The colour of brand-coloured text on white (starters, citations, links)."""
        return text_on_white(self._color())

    def _color(self) -> str:
        # The form validates the colour; a row written some other way falls back to the default.
        return self.primary_color if hex_color.regex.search(self.primary_color or "") else "#2f7d5b"
