"""Signing in and up, password resets, businesses and invitations (the dashboard's own
pages are in kaiu.accounts.dashboard)."""

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
from django.views.decorators.http import require_POST

from kaiu.accounts import invitations, services
from kaiu.accounts.forms import (
    LoginForm,
    SignupForm,
    TenantCreateForm,
)
from kaiu.platform.limits import RateLimit, client_network, rate_limit_hit
from kaiu.tenancy import switch_tenant

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
                language=form.cleaned_data["language"],
                currency=form.cleaned_data["currency"],
                time_zone=form.cleaned_data["time_zone"],
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
            tenant = services.tenant_create(owner=request.user, **form.cleaned_data)
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
    invitation = invitations.invitation_for_token(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    form = None
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                membership = invitations.invitation_accept(invitation=invitation, user=request.user)
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
                membership = invitations.user_signup_by_invitation(
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
