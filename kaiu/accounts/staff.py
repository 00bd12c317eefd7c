"""Platform staff roles in the Django admin, as groups with model permissions.

ADMIN may do everything; WAREHOUSE works the shop (products, stock, orders); SUPPORT works
conversations, handover and the knowledge base, and may look at bots.
"""

STAFF_GROUPS = {
    # group → (apps with every permission, extra "app.codename" permissions)
    "ADMIN": ("*", ()),
    "WAREHOUSE": (("commerce",), ()),
    "SUPPORT": (("chat", "documents"), ("bots.view_bot", "bots.view_botprompt", "bots.view_widgetconfig")),
}


def sync_staff_groups(sender=None, **kwargs):
    """Give each staff group exactly its permissions. Safe to run any number of times."""
    from django.contrib.auth.models import Group, Permission

    for name, (app_labels, extras) in STAFF_GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        if app_labels == "*":
            permissions = Permission.objects.all()
        else:
            permissions = Permission.objects.filter(content_type__app_label__in=app_labels)
            for dotted in extras:
                app_label, codename = dotted.split(".")
                permissions |= Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        wanted = set(permissions.values_list("pk", flat=True))
        if set(group.permissions.values_list("pk", flat=True)) != wanted:
            group.permissions.set(wanted)
