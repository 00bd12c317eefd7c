"""Reads for the dashboard's account pages, always scoped by tenant.

The naming rule for read helpers, in every app's selectors.py:
- `<entity>_get_for_<scope>(scope, id)` returns the row or raises Http404, so another tenant's
  row is indistinguishable from none (views);
- `<entity>_find_for_<scope>(scope, id)` returns the row or None (APIs that answer their own 404);
- `<entity>_list_for_<scope>(scope, ...)` returns a queryset.
The scope names what limits access: tenant, bot, conversation, visitor, or public (a bot's
public channels).
"""

from django.shortcuts import get_object_or_404

from kaiu.accounts.models import ApiKey, Invitation, Membership, TenantSettings


def tenant_settings_get_for_tenant(tenant) -> TenantSettings:
    """The tenant's provider settings; an unsaved default if it has none (reads never write)."""
    return TenantSettings.objects.filter(tenant=tenant).first() or TenantSettings(tenant=tenant)


def membership_get_for_tenant(tenant, member_id) -> Membership:
    return get_object_or_404(Membership.objects.select_related("user"), tenant=tenant, pk=member_id)


def invitation_get_for_tenant(tenant, invitation_id) -> Invitation:
    return get_object_or_404(Invitation, tenant=tenant, pk=invitation_id)


def api_key_get_for_tenant(tenant, key_id) -> ApiKey:
    return get_object_or_404(ApiKey, tenant=tenant, pk=key_id)
