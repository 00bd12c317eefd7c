import unicodedata

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse_lazy
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from kaiu.accounts import quotas, selectors, services
from kaiu.accounts.forms import (
    ApiKeyForm,
    InvitationForm,
    LLMSettingsForm,
    LoginForm,
    SignupForm,
    TenantCreateForm,
    TenantForm,
)
from kaiu.accounts.models import LLMProvider, Role, TenantSettings
from kaiu.ai.openai_client import ConnectionResult, test_connection
from kaiu.crypto import decrypt, encrypt
from kaiu.platform.limits import RateLimit, client_network, rate_limit_hit
from kaiu.tenancy import switch_tenant, tenant_view

# --- Signing in and out -----------------------------------------------------------------


def _attempts_left(request, action: str) -> RateLimit:
    """Count one `action` (sign-in, sign-up, password reset) from this address: a minute's
    allowance each, so guessing passwords or flooding sign-ups and reset e-mails stays slow."""
    return rate_limit_hit(f"{action}:{client_network(request)}", limit=settings.RATE_LIMIT_SIGN_IN_PER_MINUTE)


def _too_many_attempts(request, limit: RateLimit, page):
    """The form's page again (`page()`, with a fresh form: a refused attempt is not even
    checked) as 429, saying how long to wait."""
    messages.error(request, f"Too many attempts from your network. Wait {limit.retry_after} s and try again.")
    response = page()
    response.status_code = 429
    response["Retry-After"] = str(limit.retry_after)
    return response


def _typed(request) -> dict:
    """What the visitor typed, passwords left out, to fill a fresh form."""
    return {key: value for key, value in request.POST.items() if "password" not in key and key != "csrfmiddlewaretoken"}


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        limit = _attempts_left(request, "sign-in")
        if not limit.allowed:
            form = self.get_form_class()(request, initial=_typed(request))
            return _too_many_attempts(request, limit, lambda: self.render_to_response(self.get_context_data(form=form)))
        return super().post(request, *args, **kwargs)


def signup(request):
    if request.user.is_authenticated:
        return redirect("accounts:overview")
    form = SignupForm(request.POST or None)
    limit = _attempts_left(request, "sign-up") if request.method == "POST" else None
    if limit and not limit.allowed:
        form = SignupForm(initial=_typed(request))
        return _too_many_attempts(request, limit, lambda: render(request, "accounts/signup.html", {"form": form}))
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_signup(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                full_name=form.cleaned_data["full_name"],
                business_name=form.cleaned_data["business_name"],
            )
        except services.AccountError as error:
            form.add_error(None, str(error))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome to KAIU! Your business is ready: create your first bot.")
            return redirect("accounts:overview")
    return render(request, "accounts/signup.html", {"form": form})


def admin_login(request):
    """The Django admin's sign-in, under the same per-address limit as the dashboard's."""
    if request.method == "POST":
        limit = _attempts_left(request, "sign-in")
        if not limit.allowed:
            context = {**admin.site.each_context(request), "title": "Log in", "app_path": request.get_full_path(),
                       "form": AdminAuthenticationForm(request, initial=_typed(request))}
            return _too_many_attempts(request, limit, lambda: TemplateResponse(request, "admin/login.html", context))
    return admin.site.login(request)


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")

    def post(self, request, *args, **kwargs):
        limit = _attempts_left(request, "password-reset")
        if not limit.allowed:
            form = self.get_form_class()(initial=_typed(request))
            return _too_many_attempts(request, limit, lambda: self.render_to_response(self.get_context_data(form=form)))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        # A few e-mails an hour per address at most, whoever asks. Past that the page says
        # "sent" all the same: it must not tell whether the address has an account.
        # Compared as Django finds the account (NFKC, case folded): "ſ" and "s" are one address.
        email = unicodedata.normalize("NFKC", form.cleaned_data["email"].strip()).casefold()
        if rate_limit_hit(f"password-reset-email:{email}", limit=settings.RATE_LIMIT_PASSWORD_RESETS_PER_EMAIL_PER_HOUR,
                          window_seconds=3600).allowed:
            return super().form_valid(form)
        return redirect(self.success_url)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")


@login_required
def tenant_create(request):
    """For a signed-in person who belongs to no business (left it, or was removed)."""
    form = TenantCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tenant = services.tenant_create(owner=request.user, name=form.cleaned_data["name"])
        except services.AccountError as error:
            form.add_error(None, str(error))
        else:
            switch_tenant(request, tenant.pk)
            return redirect("accounts:overview")
    return render(request, "accounts/tenant_create.html", {"form": form})


@login_required
@require_POST
def tenant_switch(request):
    if not switch_tenant(request, request.POST.get("tenant", "").strip()):
        messages.error(request, "You are not a member of that business.")
    return redirect("accounts:overview")


# --- Invitations --------------------------------------------------------------------------


def invitation_accept(request, token):
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    form = None
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                membership = services.invitation_accept(invitation=invitation, user=request.user)
            except services.AccountError as error:
                messages.error(request, str(error))
            else:
                switch_tenant(request, membership.tenant_id)
                messages.success(request, f"You joined {membership.tenant.name}.")
                return redirect("accounts:overview")
    else:
        form = SignupForm(request.POST or None, invitation=invitation)
        if request.method == "POST" and form.is_valid():
            try:
                membership = services.user_signup_by_invitation(
                    invitation=invitation, password=form.cleaned_data["password"],
                    full_name=form.cleaned_data["full_name"])
                user = membership.user
            except services.AccountError as error:
                form.add_error(None, str(error))
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                switch_tenant(request, membership.tenant_id)
                messages.success(request, f"Welcome! You joined {membership.tenant.name}.")
                return redirect("accounts:overview")
    return render(request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form})


# --- Dashboard: overview and settings -----------------------------------------------------


@tenant_view("overview")
def overview(request):
    return render(request, "accounts/overview.html", {"usage": quotas.usage_for(request.tenant)})


@tenant_view("settings")
def settings_general(request):
    tenant = request.tenant
    tenant_settings = selectors.tenant_settings_get_for_tenant(tenant)
    form = TenantForm(request.POST or None, initial={
        "name": tenant.name, "currency": tenant.currency, "language": tenant.language})
    if request.method == "POST" and form.is_valid():
        services.tenant_update(tenant=tenant, **form.cleaned_data)
        messages.success(request, "Business settings saved.")
        return redirect("accounts:settings")
    return render(request, "accounts/settings_general.html", {
        "form": form,
        "llm_form": _llm_form(tenant_settings),
        "tenant_settings": tenant_settings,
    })


def _llm_form(tenant_settings, data=None):
    return LLMSettingsForm(data, initial={
        "provider": tenant_settings.llm_provider,
        "base_url": tenant_settings.base_url,
        "chat_model": tenant_settings.chat_model,
        "embedding_model": tenant_settings.embedding_model,
    })


@tenant_view("settings")
@require_POST
def llm_update(request):
    tenant_settings = selectors.tenant_settings_get_for_tenant(request.tenant)
    llm_form = _llm_form(tenant_settings, request.POST)
    if llm_form.is_valid():
        data = llm_form.cleaned_data
        try:
            services.llm_settings_update(
                tenant=request.tenant, provider=data["provider"], base_url=data["base_url"],
                chat_model=data["chat_model"], embedding_model=data["embedding_model"], api_key=data["api_key"],
            )
        except services.AccountError as error:
            llm_form.add_error(None, str(error))
        else:
            messages.success(request, "AI provider saved.")
            return redirect("accounts:settings")
    tenant = request.tenant
    form = TenantForm(initial={"name": tenant.name, "currency": tenant.currency, "language": tenant.language})
    return render(request, "accounts/settings_general.html", {
        "form": form, "llm_form": llm_form, "tenant_settings": tenant_settings}, status=400)


@tenant_view("settings")
@require_POST
def llm_key_delete(request):
    services.llm_key_delete(tenant=request.tenant)
    messages.success(request, "Your API key was deleted. Bots now use the built-in provider.")
    return redirect("accounts:settings")


@tenant_view("settings")
@require_POST
def llm_test(request):
    """Test the values in the form, saved or not; an empty key field means the stored key."""
    tenant_settings = selectors.tenant_settings_get_for_tenant(request.tenant)
    llm_form = _llm_form(tenant_settings, request.POST)
    if not llm_form.is_valid():
        errors = "; ".join(error for errors in llm_form.errors.values() for error in errors)
        return render(request, "accounts/_connection_result.html",
                      {"result": ConnectionResult(False, f"Fix the form first: {errors}")})
    data = llm_form.cleaned_data
    base_url = data["base_url"] if data["provider"] == LLMProvider.OPENAI_COMPATIBLE else ""
    candidate = TenantSettings(
        tenant=request.tenant, llm_provider=data["provider"], base_url=base_url,
        chat_model=data["chat_model"], embedding_model=data["embedding_model"],
        api_key=data["api_key"] or services.stored_key_for(
            tenant_settings, provider=data["provider"], base_url=base_url),
    )
    return render(request, "accounts/_connection_result.html", {"result": test_connection(candidate)})


# --- Members ------------------------------------------------------------------------------


@tenant_view("members")
def members(request):
    grantable = services.roles_inviter_may_grant(request.membership)
    form = InvitationForm(request.POST or None, grantable_roles=grantable)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _ = services.invitation_create(
                inviter=request.membership, email=form.cleaned_data["email"], role=form.cleaned_data["role"])
        except services.AccountError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("accounts:members")
    return render(request, "accounts/members.html", {
        "form": form,
        "members": [
            (member, member.role in grantable and member.pk != request.membership.pk)
            for member in request.tenant.memberships.select_related("user").order_by("user__email")
        ],
        "roles": [(value, label) for value, label in Role.choices if value in grantable],
        "invitations": [i for i in request.tenant.invitations.filter(accepted_at__isnull=True) if i.is_pending],
    })


@tenant_view("members")
@require_POST
def invitation_revoke(request, invitation_id):
    invitation = selectors.invitation_get_for_tenant(request.tenant, invitation_id)
    services.invitation_revoke(tenant=request.tenant, invitation_id=invitation.pk)
    messages.success(request, f"Invitation for {invitation.email} revoked.")
    return redirect("accounts:members")


@tenant_view("members")
def member_remove(request, member_id):
    membership = selectors.membership_get_for_tenant(request.tenant, member_id)
    if request.method == "POST":
        try:
            services.membership_remove(actor=request.membership, membership=membership)
        except services.AccountError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{membership.user.email} no longer belongs to {request.tenant.name}.")
        return redirect("accounts:members")
    return render(request, "accounts/member_remove.html", {"member": membership})


@tenant_view("members")
@require_POST
def member_change_role(request, member_id):
    membership = selectors.membership_get_for_tenant(request.tenant, member_id)
    try:
        services.membership_change_role(actor=request.membership, membership=membership,
                                        role=request.POST.get("role", ""))
    except services.AccountError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{membership.user.email} is now {membership.get_role_display()}.")
    return redirect("accounts:members")


@tenant_view("overview")
def leave(request):
    if request.method == "POST":
        try:
            services.membership_remove(actor=request.membership, membership=request.membership)
        except services.AccountError as error:
            messages.error(request, str(error))
            return redirect("accounts:overview")
        request.session.pop("tenant_id", None)
        messages.success(request, f"You left {request.tenant.name}.")
        return redirect("accounts:overview")
    return render(request, "accounts/leave.html")


# --- API keys -----------------------------------------------------------------------------


@tenant_view("settings")
def api_keys(request):
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.api_key_create(
                tenant=request.tenant, name=form.cleaned_data["name"], created_by=request.user)
        except services.AccountError as error:
            form.add_error(None, str(error))
        else:
            # Shown after a redirect, so reloading the page cannot create a second key. Until
            # that page takes it, the session holds the secret encrypted, readable for
            # ISSUED_KEY_SECONDS: a session row in the database never holds a usable key.
            request.session[_ISSUED_KEY] = {"name": issued.api_key.name, "secret": encrypt(issued.secret)}
            return redirect("accounts:api-keys")
    response = render(request, "accounts/api_keys.html", {
        "form": form, "issued": _issued_key(request), "api_keys": request.tenant.api_keys.all(),
        "api_base": request.build_absolute_uri("/api/v1")})
    add_never_cache_headers(response)  # the new key is on this page once; no cache may keep it
    return response


_ISSUED_KEY = "issued_api_key"
ISSUED_KEY_SECONDS = 300


def _issued_key(request) -> dict | None:
    """The key created just before this page, once: {"name", "secret"}, the secret None when
    the page came too late to show it."""
    issued = request.session.pop(_ISSUED_KEY, None)
    if not issued:
        return None
    try:
        return {"name": issued["name"], "secret": decrypt(issued["secret"], ttl=ISSUED_KEY_SECONDS)}
    except ValueError:
        return {"name": issued["name"], "secret": None}


@tenant_view("settings")
def api_key_revoke(request, key_id):
    api_key = selectors.api_key_get_for_tenant(request.tenant, key_id)
    if request.method == "POST":
        services.api_key_revoke(tenant=request.tenant, key_id=api_key.pk)
        messages.success(request, f"Key “{api_key.name}” revoked. Apps using it can no longer connect.")
        return redirect("accounts:api-keys")
    return render(request, "accounts/api_key_revoke.html", {"api_key": api_key})
