"""Demo data owned by accounts: the demo business, its people and the platform staff."""

from django.conf import settings
from django.contrib.auth.models import Group

from kaiu.accounts.models import Membership, Plan, Role, Tenant, TenantSettings, User

DEMO_TENANT_SLUG = "kaiu-natural-living"

# (e-mail, name, tenant role or None, staff group or None)
DEMO_PEOPLE = [
    ("owner@kaiu.demo", "Valentina Ríos", Role.OWNER, None),
    ("admin@kaiu.demo", "Andrés Gómez", Role.ADMIN, None),
    ("warehouse@kaiu.demo", "Camila Torres", Role.WAREHOUSE, None),
    ("support@kaiu.demo", "Julián Herrera", Role.SUPPORT, None),
    ("staff-admin@kaiu.demo", "Platform admin", None, "ADMIN"),
    ("staff-warehouse@kaiu.demo", "Platform warehouse", None, "WAREHOUSE"),
    ("staff-support@kaiu.demo", "Platform support", None, "SUPPORT"),
]


def seed_tenant() -> Tenant:
    """Create the demo business and its people unless they exist. Never changes existing rows,
    so running it twice changes nothing (passwords included)."""
    tenant = Tenant.objects.filter(slug=DEMO_TENANT_SLUG).first()
    if tenant is None:
        tenant = Tenant.objects.create(
            name="KAIU Natural Living", slug=DEMO_TENANT_SLUG, plan=Plan.objects.get(code="pro"),
            currency="COP", language="es", time_zone="America/Bogota",
        )
    TenantSettings.objects.get_or_create(tenant=tenant)
    for email, name, role, group in DEMO_PEOPLE:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email, password=settings.DEMO_PASSWORD, full_name=name,
                is_staff=group is not None, is_superuser=group == "ADMIN",
            )
            if group:
                user.groups.add(Group.objects.get(name=group))
        if role:
            Membership.objects.get_or_create(user=user, tenant=tenant, defaults={"role": role})
    return tenant


def demo_logins() -> list[tuple[str, str]]:
    """(e-mail, what it is for) for the command's closing message."""
    logins = []
    for email, _name, role, group in DEMO_PEOPLE:
        what = f"dashboard, {Role(role).label}" if role else f"Django admin (/admin/), staff {group}"
        logins.append((email, what))
    return logins
