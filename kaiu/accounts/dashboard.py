"""The dashboard's account pages: overview, settings, AI provider, members and API keys."""


from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from commerce.selectors import shop_counters_for_tenant
from kaiu.accounts import invitations, progress, quotas, selectors, services
from kaiu.accounts.forms import (
    ApiKeyForm,
    BusinessHoursForm,
    InvitationForm,
    LLMSettingsForm,
    TenantForm,
)
from kaiu.accounts.models import LLMProvider, Role, TenantSettings
from kaiu.ai.openai_client import ConnectionResult, test_connection
from kaiu.crypto import decrypt, encrypt
from kaiu.tenancy import can, tenant_view

# --- Dashboard: overview and settings -----------------------------------------------------


@tenant_view("overview")
def overview(request):
    steps = progress.steps_for(request.tenant) if can(request.membership, "bots") else []
    shop = shop_counters_for_tenant(request.tenant) if can(request.membership, "shop_read") else None
    return render(request, "accounts/overview.html", {
        "usage": quotas.usage_for(request.tenant), "shop": shop,
        "steps": steps, "steps_done": sum(step.done for step in steps),
        "leave_refusal": services.membership_leave_refusal(request.membership)})


@tenant_view("settings")
def settings_general(request):
    tenant = request.tenant
    tenant_settings = selectors.tenant_settings_get_for_tenant(tenant)
    form = _tenant_form(tenant, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.tenant_update(tenant=tenant, **form.cleaned_data)
        messages.success(request, "Business settings saved.")
        return redirect("accounts:settings")
    return render(request, "accounts/settings_general.html", {
        "form": form,
        "llm_form": _llm_form(tenant_settings),
        "tenant_settings": tenant_settings,
    })


@tenant_view("settings")
def business_hours(request):
    """When people answer the chat: the handover tells customers when to expect a reply."""
    tenant = request.tenant
    form = BusinessHoursForm(request.POST or None, hours=tenant.business_hours)
    if request.method == "POST" and form.is_valid():
        services.tenant_business_hours_update(tenant=tenant, hours=form.cleaned_data["hours"])
        messages.success(request, "Business hours saved.")
        return redirect("accounts:business-hours")
    return render(request, "accounts/business_hours.html", {"form": form})


def _tenant_form(tenant, data=None):
    return TenantForm(data, initial={name: getattr(tenant, name) for name in TenantForm.base_fields})


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
    form = _tenant_form(request.tenant)
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
    grantable = invitations.roles_inviter_may_grant(request.membership)
    form = InvitationForm(request.POST or None, grantable_roles=grantable)
    if request.method == "POST" and form.is_valid():
        try:
            sent = invitations.invitation_create(
                inviter=request.membership, email=form.cleaned_data["email"], role=form.cleaned_data["role"])
        except services.AccountError as error:
            form.add_error(None, str(error))
        else:
            _say_sent(request, sent)
            return redirect("accounts:members")
    response = render(request, "accounts/members.html", {
        "form": form,
        "members": [
            (member, member.role in grantable and member.pk != request.membership.pk)
            for member in request.tenant.memberships.select_related("user").order_by("user__email")
        ],
        "roles": [(value, label) for value, label in Role.choices if value in grantable],
        "grantable": grantable,
        "invitations": [i for i in request.tenant.invitations.filter(accepted_at__isnull=True) if i.is_pending],
        "issued_link": _issued_link(request),
        "link_days": settings.INVITATION_TTL_DAYS,
        "leave_refusal": services.membership_leave_refusal(request.membership),
    })
    add_never_cache_headers(response)  # an invitation link may be on this page once
    return response


@tenant_view("members")
@require_POST
def invitation_resend(request, invitation_id):
    invitation = selectors.invitation_get_for_tenant(request.tenant, invitation_id)
    try:
        sent = invitations.invitation_resend(sender=request.membership, invitation=invitation)
    except services.AccountError as error:
        messages.error(request, str(error))
    else:
        _say_sent(request, sent, again=True)
    return redirect("accounts:members")


@tenant_view("members")
@require_POST
def invitation_revoke(request, invitation_id):
    invitation = selectors.invitation_get_for_tenant(request.tenant, invitation_id)
    try:
        invitations.invitation_revoke(actor=request.membership, invitation=invitation)
    except services.AccountError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Invitation for {invitation.email} revoked.")
    return redirect("accounts:members")


_ISSUED_LINK = "issued_invitation_link"


def _say_sent(request, sent: invitations.SentInvitation, *, again: bool = False) -> None:
    """Tell the inviter what happened. Without e-mail, hand them the link: once, kept encrypted
    in the session until the next page shows it, as a new API key is."""
    email, delivered = sent.invitation.email, invitations.email_delivers()
    if sent.replaced_role is None and not again:
        text = f"Invitation sent to {email}." if delivered else f"Invitation for {email} created."
    else:
        done = "sent again" if delivered else "renewed"
        text = f"An invitation to {email} was already pending: {done}" if sent.replaced_role else \
            f"Invitation to {email} {done}"
        if sent.replaced_role not in (None, sent.invitation.role):
            text += f" as {sent.invitation.get_role_display()} (it was {Role(sent.replaced_role).label})"
        text += " with a new link. The earlier link no longer works."
    messages.success(request, text)
    if not delivered:
        request.session[_ISSUED_LINK] = {"email": email, "link": encrypt(sent.link)}


def _issued_link(request) -> dict | None:
    issued = request.session.pop(_ISSUED_LINK, None)
    if not issued:
        return None
    try:
        return {"email": issued["email"], "link": decrypt(issued["link"], ttl=ISSUED_KEY_SECONDS)}
    except ValueError:
        return {"email": issued["email"], "link": None}


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
    return render(request, "accounts/leave.html", {"refusal": services.membership_leave_refusal(request.membership)})


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
