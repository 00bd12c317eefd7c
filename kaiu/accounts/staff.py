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


# What each group works on, in the words the admin's front page uses when it has nothing to show.
STAFF_GROUP_WORK = {
    "ADMIN": "everything",
    "WAREHOUSE": "the shop (products, stock and orders)",
    "SUPPORT": "conversations, handover and the knowledge base",
}


def staff_empty_index_notice(user) -> str:
    """Why the admin's front page lists nothing for `user`, instead of Django's bare "You don't
    have permission": a group whose apps have no models yet (the shop, before it is built) is
    told they arrive later. Once they exist, sync_staff_groups grants them and this is not shown."""
    names = sorted(user.groups.values_list("name", flat=True))
    if not names:
        return ("Your account has no staff role yet. A platform admin can give you one "
                "(ADMIN, WAREHOUSE or SUPPORT) under Users.")
    waiting = [name for name in names if _works_on_apps_not_built_yet(name)]
    if not waiting:
        return f"Your staff role ({', '.join(names)}) gives you no pages here. A platform admin can check your groups."
    work = "; ".join(STAFF_GROUP_WORK[name] for name in waiting)
    return (f"Nothing here for you yet. Your staff role ({', '.join(waiting)}) works on {work}, which arrives "
            "in a later version of KAIU: its pages appear here then.")


def _works_on_apps_not_built_yet(group_name: str) -> bool:
    from django.apps import apps

    app_labels = STAFF_GROUPS.get(group_name, ("*", ()))[0]
    if app_labels == "*":
        return False
    return not any(list(apps.get_app_config(label).get_models()) for label in app_labels)
