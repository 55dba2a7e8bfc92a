"""{% canned_picker %}: the 插入常用回复 control beside a reply or comment box on the case page.

Used by kb/_canned_picker.html, which the case page's side panel includes. Lists the canned replies the
user may use on the case (their own and the shared ones of the case's project); choosing one fetches it
filled in for the case (kb:canned_render) and inserts it into the form's text box.
"""

from __future__ import annotations

from typing import Any

from django import template

from kefu.kb import selectors

register = template.Library()

# The side panels of the case page that write to the customer or the timeline.
PANELS = frozenset({"reply", "comment", "solve_at_once"})


@register.inclusion_tag("kb/_canned_picker_control.html", takes_context=True)
def canned_picker(context: Any) -> dict[str, Any]:
    request = context.get("request")
    case = context.get("case")
    panel = context.get("panel", "")
    if request is None or case is None or panel not in PANELS:
        return {"show": False}
    replies = list(selectors.canned_for_case(user=request.user, case=case)[:200])
    return {
        "show": True,
        "case": case,
        "panel": panel,
        "mine": [r for r in replies if r.owner_id is not None],
        "shared": [r for r in replies if r.owner_id is None],
    }
