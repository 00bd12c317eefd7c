"""The inbox's waiting count beside "Inbox" in the dashboard's navigation (the layout then
polls chat:inbox-count to keep it current)."""

from kaiu.tenancy import can


def inbox_waiting(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not request.path.startswith("/app/"):
        return {}
    membership = request.membership
    if not membership or not can(membership, "inbox"):
        return {}
    from chat.support import inbox_waiting_count

    return {"inbox_waiting": inbox_waiting_count(request.tenant)}
