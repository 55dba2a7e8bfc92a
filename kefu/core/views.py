from __future__ import annotations

import datetime as dt
from typing import Any

from auditlog.models import LogEntry
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from kefu.core.types import AuthedRequest
from kefu.customers.selectors import customer_list, key_customer_list, unit_list
from kefu.org.models import User
from kefu.org.roles import Perm
from kefu.org.scope import access, is_staff_member
from kefu.reports import dashboard_views

from .middleware import SESSION_KEY


def home(request: AuthedRequest) -> HttpResponse:
    user = request.user
    project = request.kefu_project
    ctx: dict[str, Any] = {"nav": "home"}
    if user.kind == User.Kind.CUSTOMER:
        return HttpResponseRedirect("/m/")  # customers use the portal (微物业)
    if not is_staff_member(user):
        return render(request, "core/no_role.html", ctx)
    # Desk, steward, field, QC and management roles get their dashboard; the others the archive figures.
    dashboard = dashboard_views.dashboard(request)
    if dashboard is not None:
        return dashboard
    if not access(user, Perm.VIEW_ARCHIVES).is_empty:
        units = unit_list(user=user, project=project)
        ctx.update(
            customers=customer_list(user=user, project=project).count(),
            units=units.count(),
            occupied=units.filter(status="occupied").count(),
            key_due=key_customer_list(user=user, project=project, due_by=timezone.localdate() + dt.timedelta(days=7))[
                :10
            ],
        )
    return render(request, "core/home.html", ctx)


@require_POST
def set_project(request: AuthedRequest) -> HttpResponse:
    request.session[SESSION_KEY] = request.POST.get("project", "")
    nxt = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        nxt = "/"
    return HttpResponseRedirect(nxt)


def audit_log(request: AuthedRequest) -> HttpResponse:
    """Who changed what and when in archives and organisation data (managers, head office)."""
    a = access(request.user, Perm.VIEW_AUDIT)
    if a.is_empty:
        messages.error(request, "您没有权限查看操作日志")
        return render(request, "core/no_role.html", {"nav": "audit"}, status=403)
    qs = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    if not a.all_projects:
        qs = qs.filter(additional_data__project_id__in=sorted(a.project_ids))
    project = request.kefu_project
    if project is not None:
        qs = qs.filter(additional_data__project_id=project.pk)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(object_repr__contains=q) | Q(actor__name__contains=q) | Q(actor__username__contains=q))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit.html", {"nav": "audit", "page": page, "q": q})


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers (no database touched), for a load balancer or process manager."""
    return JsonResponse({"status": "ok"})


@login_not_required
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: the database answers and every migration is applied; 503 otherwise, with the reason."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return JsonResponse({"status": "unavailable", "database": f"error: {exc.__class__.__name__}"}, status=503)
    if pending:
        return JsonResponse({"status": "unavailable", "database": "ok", "pending_migrations": len(pending)}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
