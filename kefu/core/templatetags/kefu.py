from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from kefu.core import masking

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context: dict[str, Any], **kwargs: Any) -> str:
    """The current query string with some parameters replaced (for paging and sorting)."""
    query = context["request"].GET.copy()
    for k, v in kwargs.items():
        query[k] = v
    return str(query.urlencode())


@register.filter
def mask_phone(value: str) -> str:
    return masking.mask_phone(value)


@register.filter
def mask_id(value: str) -> str:
    return masking.mask_id_number(value)


@register.filter
def model_label(content_type: Any) -> str:
    """The Chinese name of the model behind a ContentType (for the audit log)."""
    model = content_type.model_class() if content_type is not None else None
    return str(model._meta.verbose_name) if model is not None else ""


_ACTIONS = {0: _("新增"), 1: _("修改"), 2: _("删除"), 3: _("访问")}


@register.filter
def audit_action(entry: Any) -> str:
    return str(_ACTIONS.get(entry.action, entry.get_action_display()))
