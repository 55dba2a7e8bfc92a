"""档案导入 page: choose a kind, upload an xlsx, see every error or what was created; and the templates."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from kefu.core.errors import ApplicationError
from kefu.core.xlsx import XLSX_MIME
from kefu.org.roles import Perm
from kefu.org.scope import can

from . import importing

MSG_NO_ROLE = "您没有导入档案的权限"
MSG_CHOOSE_PROJECT = "请先在顶部“当前项目”中选择要导入的项目"
MSG_NOT_IN_PROJECT = "您在当前项目没有导入档案的权限，请在顶部切换项目"
ERRORS_SHOWN = 1000


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label="导入类型", choices=importing.kind_choices)
    file = forms.FileField(
        label="Excel 文件",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + XLSX_MIME}),
        error_messages={"required": "请选择要上传的 .xlsx 文件", "empty": "上传的文件是空的"},
    )


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "core/no_role.html", {"nav": "import"}, status=403)


@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Perm.IMPORT_ARCHIVES):
        return _forbidden(request)
    project = request.kefu_project  # type: ignore[attr-defined]
    problem = ""
    if project is None:
        problem = MSG_CHOOSE_PROJECT
    elif not can(request.user, Perm.IMPORT_ARCHIVES, project.pk):
        problem = MSG_NOT_IN_PROJECT
    kind = request.GET.get("kind", "units")
    form = ImportForm(initial={"kind": kind if kind in importing.KINDS else "units"})
    ctx: dict[str, Any] = {
        "nav": "import",
        "problem": problem,
        "kinds": [(k, cls.label, cls.columns) for k, cls in importing.KINDS.items()],
        "max_rows": settings.KEFU_IMPORT_MAX_ROWS,
        "max_mb": round(settings.KEFU_IMPORT_MAX_BYTES / 1024 / 1024, 1),
    }
    status = 200
    if request.method == "POST":
        if problem:
            return render(request, "customers/import.html", {**ctx, "form": form}, status=403)
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = importing.import_file(
                    actor=request.user,  # type: ignore[arg-type]
                    project=project,
                    kind=form.cleaned_data["kind"],
                    file=upload,
                    size=upload.size,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                ctx.update(
                    result=result,
                    errors=result.errors[:ERRORS_SHOWN],
                    errors_hidden=max(0, len(result.errors) - ERRORS_SHOWN),
                    kind_label=importing.KINDS[result.kind].label,
                )
                status = 200 if result.ok else 400
        else:
            status = 400
    ctx["form"] = form
    return render(request, "customers/import.html", ctx, status=status)


@require_GET
def template_view(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in importing.KINDS:
        raise Http404
    if not can(request.user, Perm.IMPORT_ARCHIVES):
        return _forbidden(request)
    response = HttpResponse(importing.template_bytes(kind), content_type=XLSX_MIME)
    name = f"{importing.KINDS[kind].label}导入模板.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
