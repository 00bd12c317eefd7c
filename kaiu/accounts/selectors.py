from kaiu.accounts.models import TenantSettings


def tenant_settings_for(tenant) -> TenantSettings:
    """The tenant's provider settings; an unsaved default if it has none (reads never write)."""
    return TenantSettings.objects.filter(tenant=tenant).first() or TenantSettings(tenant=tenant)
