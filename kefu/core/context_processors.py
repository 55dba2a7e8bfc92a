from typing import Any

from django.http import HttpRequest

from kefu.notify.selectors import unread_count
from kefu.org.roles import Perm
from kefu.org.scope import can, memberships, visible_projects


def kefu(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    ms = memberships(user)
    return {
        "kefu_project": getattr(request, "kefu_project", None),
        "kefu_projects": list(visible_projects(user)),
        "kefu_roles": sorted({m.get_role_display() for m in ms}),
        "kefu_can": {p.value: can(user, p) for p in Perm},
        "kefu_unread": unread_count(user=user),
    }
