"""The `openai` client, configured for a tenant's provider or the platform's."""

import socket
import uuid
from dataclasses import dataclass

import httpx2
import openai
from django.conf import settings

from kaiu.ai.netguard import GuardedBackend, UnsafeURL


@dataclass(frozen=True)
class ProviderConfig:
    api_key: str
    base_url: str | None
    chat_model: str
    embedding_model: str
    tenant_supplied: bool  # a tenant's URL is untrusted and checked before each request
    tenant_id: uuid.UUID | None = None  # whose own provider this is; None: the platform's

    @property
    def server(self) -> str:
        """The server's identity: its base URL, "" for OpenAI's own API."""
        return (self.base_url or "").rstrip("/")


def provider_config_for_tenant(tenant_settings) -> ProviderConfig | None:
    """The tenant's own provider (BYOK), else the platform key, else None (built-in)."""
    if tenant_settings is not None and tenant_settings.llm_provider != "BUILTIN":
        return ProviderConfig(
            api_key=tenant_settings.api_key or "not-needed",
            base_url=tenant_settings.base_url or None,
            chat_model=tenant_settings.chat_model or settings.OPENAI_CHAT_MODEL,
            embedding_model=tenant_settings.embedding_model or settings.OPENAI_EMBEDDING_MODEL,
            tenant_supplied=True,
            tenant_id=tenant_settings.tenant_id,
        )
    if settings.OPENAI_API_KEY:
        return ProviderConfig(
            api_key=settings.OPENAI_API_KEY,
            base_url=settings.OPENAI_BASE_URL or None,
            chat_model=settings.OPENAI_CHAT_MODEL,
            embedding_model=settings.OPENAI_EMBEDDING_MODEL,
            tenant_supplied=False,
        )
    return None


def _guarded_transport() -> httpx2.HTTPTransport:
    transport = httpx2.HTTPTransport(trust_env=False)
    # httpx has no public hook for the network backend; the connection pool takes it as
    # an attribute. tests/accounts/test_llm_settings.py proves the guard is in the path.
    transport._pool._network_backend = GuardedBackend()
    return transport


def client_for(config: ProviderConfig, *, timeout: float | None = None, max_retries: int = 2) -> openai.OpenAI:
    guarded = config.tenant_supplied and config.base_url
    http_client = httpx2.Client(
        follow_redirects=False,  # a redirect could lead a tenant's request to an internal host
        timeout=timeout or settings.PROVIDER_TIMEOUT_SECONDS,
        transport=_guarded_transport() if guarded else None,
        trust_env=False,
    )
    return openai.OpenAI(
        api_key=config.api_key,
        base_url=config.base_url,
        http_client=http_client,
        max_retries=max_retries,
        timeout=timeout or settings.PROVIDER_TIMEOUT_SECONDS,
    )


@dataclass(frozen=True)
class ConnectionResult:
    ok: bool
    message: str


def describe_provider_error(exc: Exception) -> str:
    """A sentence a tenant can act on, for any error the provider or network raised."""
    if isinstance(exc, UnsafeURL):
        return str(exc)
    if isinstance(exc, openai.AuthenticationError):
        return "The provider rejected the API key (401). Check that the key is correct and active."
    if isinstance(exc, openai.PermissionDeniedError):
        return "The key is valid but has no access to this resource (403)."
    if isinstance(exc, openai.NotFoundError):
        return "The provider answered 404: check the base URL (it usually ends in /v1) and the model name."
    if isinstance(exc, openai.RateLimitError):
        return "The provider is rate-limiting this key (429) or its quota is used up."
    if isinstance(exc, openai.APITimeoutError):
        return "The provider did not answer in time. Try again, or check the base URL."
    if isinstance(exc, openai.APIConnectionError):
        return _connection_problem(exc)
    if isinstance(exc, openai.APIStatusError):
        if 300 <= exc.status_code < 400:
            return "The provider answered with a redirect, which KAIU does not follow. Use the final URL."
        return f"The provider answered with an error ({exc.status_code})."
    return "The provider could not be reached."


def _connection_problem(exc: Exception) -> str:
    """Which part of connecting failed: the guard, the name (DNS), or the server itself."""
    causes, seen = [], exc
    while seen is not None and len(causes) < 10:
        causes.append(seen)
        seen = seen.__cause__ or seen.__context__
    if any(isinstance(cause, UnsafeURL) for cause in causes):
        return str(next(cause for cause in causes if isinstance(cause, UnsafeURL)))
    text = " ".join(str(cause) for cause in causes).lower()
    if any(isinstance(cause, socket.gaierror) for cause in causes) or any(
            sign in text for sign in ("name or service not known", "name resolution", "nodename nor servname",
                                      "getaddrinfo")):
        return "The provider's host name could not be found (DNS). Check the base URL."
    if "connection refused" in text:
        return "The provider's server refused the connection: nothing answers at that address and port."
    return "Could not connect to the provider. Check the base URL and that the server is running."


def test_connection(tenant_settings) -> ConnectionResult:
    """List the provider's models with the tenant's settings; say what works and what not."""
    config = provider_config_for_tenant(tenant_settings)
    if config is None or not config.tenant_supplied:
        return ConnectionResult(True, "Using the built-in offline provider: no connection needed.")
    try:
        models = [model.id for model in client_for(config, timeout=10, max_retries=0).models.list()]
    except Exception as exc:  # every failure becomes a message; none may reach the page as a 500
        return ConnectionResult(False, describe_provider_error(exc))
    message = f"Connected. The provider offers {len(models)} model{'s' if len(models) != 1 else ''}."
    missing = [name for name in (config.chat_model, config.embedding_model) if models and name not in models]
    if missing:
        message += f" Not among them: {', '.join(missing)}."
    return ConnectionResult(True, message)
