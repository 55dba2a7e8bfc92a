"""Settings rows that are either shared by all projects (project=None) or a project's own: who may edit
which, the scope choices a form offers, and where a new row goes. Used by the visit and QC settings pages
(the services check the same permission again)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kefu.core.shortcuts import attempt
from kefu.core.types import AuthedRequest
from kefu.org.models import Project, User
from kefu.org.roles import Perm
from kefu.org.scope import access, can

SCOPES = [("project", _("当前项目")), ("shared", _("全部项目（共用）"))]


def require_any(request: AuthedRequest, *perms: Perm) -> User:
    """Pages answer 404 to anyone who holds none of the permissions that lead to them."""
    if not any(can(request.user, p) for p in perms):
        raise Http404
    return request.user


def may_edit(user: User, perm: Perm, project_id: int | None) -> bool:
    """A project's row: the permission in that project; a shared row: the permission in every project."""
    a = access(user, perm)
    return a.all_projects if project_id is None else a.covers_project(project_id)


def scope_choices(user: User, perm: Perm, project: Project | None) -> list[tuple[str, Any]]:
    labels = dict(SCOPES)
    out: list[tuple[str, Any]] = []
    if project is not None and may_edit(user, perm, project.pk):
        out.append(("project", f"{labels['project']}：{project.name}"))
    if may_edit(user, perm, None):
        out.append(("shared", labels["shared"]))
    return out


def scope_project(request: AuthedRequest, scope: str, instance: Any) -> tuple[bool, Project | None]:
    """The project a new row goes to (an existing row keeps its own); False when none fits."""
    if instance is not None:
        return True, instance.project
    if scope == "shared":
        return True, None  # the service refuses it unless the user reaches every project
    return request.kefu_project is not None, request.kefu_project


def save_form(
    request: AuthedRequest,
    form: forms.BaseForm,
    instance: Any,
    save: Callable[[dict[str, Any], Project | None], Any],
    *,
    success: str,
) -> bool:
    """A settings form posted: valid, a project to put a new row in, then the service (its refusal goes
    on the form). True when the row was saved."""
    if not form.is_valid():
        return False
    d = form.cleaned_data
    ok_scope, target = scope_project(request, d["scope"], instance)
    if not ok_scope:
        form.add_error(None, gettext("请先在顶部选择一个项目"))
        return False
    ok, _saved = attempt(request, lambda: save(d, target), form=form, success=success)
    return ok
