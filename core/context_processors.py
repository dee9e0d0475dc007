from django.http import HttpRequest

from .navigation import items_for


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = items_for(user)
    current = request.path
    for entry in items:
        entry["active"] = entry["url"] != "/" and current.startswith(entry["url"])
    unread = 0
    try:
        from disputes.models import Notification

        unread = Notification.objects.unread_for(user).count()
    except (ImportError, AttributeError):
        pass
    return {"nav_items": items, "unread_notifications": unread}
