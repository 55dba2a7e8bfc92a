"""知识库 pages for staff: the FAQ (答客问), standard phrases (服务用语) and canned replies (常用回复), and the
endpoint that fills a canned reply in for a case (used by the picker on the case page).

Every staff member reads; Perm.MANAGE_KB edits the FAQ, the phrases and the shared replies; anyone edits
their own personal replies. Reads go through kb.selectors (out of scope → 404), writes through kb.services
(which check the permission again). Customers and anyone without a role get 404.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby
from typing import Any

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.core import scoped
from kefu.core.errors import NotFound
from kefu.core.shortcuts import attempt, paginate
from kefu.core.types import AuthedRequest
from kefu.org.models import Project, User
from kefu.org.roles import Perm
from kefu.org.scope import access, is_staff_member
from kefu.tickets.selectors import case_get

from . import placeholders, selectors, services
from .forms import PERSONAL, CannedForm, FaqForm, PhraseForm
from .models import FAQ_CATEGORIES, CannedReply, FaqArticle, Phrase

PER_PAGE = 20


def _staff(request: AuthedRequest) -> User:
    if not is_staff_member(request.user):
        raise Http404
    return request.user


def _may_edit(user: User, project_id: int | None) -> bool:
    return scoped.may_edit(user, Perm.MANAGE_KB, project_id)


def _found[T](get: Callable[[], T]) -> T:
    try:
        return get()
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _editable[T: (FaqArticle, Phrase)](user: User, get: Callable[[], T]) -> T:
    obj = _found(get)
    if not _may_edit(user, obj.project_id):
        raise Http404
    return obj


def _scope_label(project: Project | None) -> str:
    return project.name if project is not None else _("全部项目（共用）")


def _save(
    request: AuthedRequest, form: Any, instance: Any, save: Callable[[dict[str, Any], Project | None], Any]
) -> Any:
    """Valid form, a target project for a new row, then the service (its refusal goes on the form)."""
    if not form.is_valid():
        return None
    d = form.cleaned_data
    ok_scope, target = scoped.scope_project(request, d["scope"], instance)
    if not ok_scope:
        form.add_error(None, _("请先在顶部选择一个项目"))
        return None
    _ok, saved = attempt(request, lambda: save(d, target), form=form, success=_("已保存"))
    return saved


def home(request: AuthedRequest) -> HttpResponse:
    _staff(request)
    return redirect("kb:faq")


# FAQ (答客问) ----------------------------------------------------------------------------------------------


@require_GET
def faq_list(request: AuthedRequest) -> HttpResponse:
    user = _staff(request)
    project = request.kefu_project
    q = request.GET.get("q", "").strip()[:100]
    category = request.GET.get("category", "").strip()
    state = request.GET.get("state", "")
    published = {"published": True, "draft": False}.get(state)
    base = selectors.faq_list(user=user, project=project)
    qs = selectors.faq_list(user=user, q=q, category=category, project=project, published=published)
    page = paginate(request, qs, PER_PAGE)
    ctx = {
        "nav": "kb_faq",
        "page": page,
        "rows": [(a, _may_edit(user, a.project_id)) for a in page],
        "f": {"q": q, "category": category, "state": state},
        "categories": selectors.faq_categories(base),
        "may_add": bool(scoped.scope_choices(user, Perm.MANAGE_KB, project)),
        "may_manage": not access(user, Perm.MANAGE_KB).is_empty,
    }
    return render(request, "kb/faq_list.html", ctx)


@require_GET
def faq_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    article = _found(lambda: selectors.faq_get(user=user, pk=pk))
    ctx = {
        "nav": "kb_faq",
        "article": article,
        "may_edit": _may_edit(user, article.project_id),
        "related": selectors.faq_related(article, selectors.faq_for(user)),
    }
    return render(request, "kb/faq_detail.html", ctx)


def _faq_form_page(request: AuthedRequest, form: FaqForm, article: FaqArticle | None) -> HttpResponse:
    ctx = {"nav": "kb_faq", "form": form, "article": article, "suggested": FAQ_CATEGORIES}
    return render(request, "kb/faq_form.html", ctx)


def faq_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    """GET the form; POST saves through services.faq_save."""
    user = _staff(request)
    article = _editable(user, lambda: selectors.faq_get(user=user, pk=pk)) if pk else None
    scopes = scoped.scope_choices(user, Perm.MANAGE_KB, request.kefu_project)
    if article is None and not scopes:
        raise Http404
    if request.method == "POST":
        # Every scope parses; the service refuses what the user may not do (the form comes back with the
        # scopes offered to this user).
        form = FaqForm(request.POST)
        form.fields["scope"].required = article is None

        def save(d: dict[str, Any], target: Project | None) -> FaqArticle:
            return services.faq_save(
                actor=user,
                article=article,
                project=target,
                category=d["category"],
                question=d["question"],
                answer=d["answer"],
                keywords=d["keywords"],
                is_published=d["is_published"],
                sort=d["sort"],
            )

        saved = _save(request, form, article, save)
        if saved is not None:
            return redirect("kb:faq_detail", saved.pk)
        form.fields["scope"].choices = scopes  # type: ignore[attr-defined]
        return _faq_form_page(request, form, article)
    initial: dict[str, Any] = {"scope": scopes[0][0] if scopes else "project", "sort": 0, "is_published": True}
    if article is not None:
        keys = ("category", "question", "answer", "keywords", "is_published", "sort")
        initial.update({k: getattr(article, k) for k in keys})
    elif request.GET.get("category"):
        initial["category"] = request.GET["category"][:20]
    return _faq_form_page(request, FaqForm(initial=initial, scopes=scopes), article)


@require_POST
def faq_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    article = _editable(user, lambda: selectors.faq_get(user=user, pk=pk))
    ok, _r = attempt(request, lambda: services.faq_delete(actor=user, article=article), success=_("已删除"))
    return redirect("kb:faq") if ok else redirect("kb:faq_detail", pk)


# Standard phrases (服务用语) --------------------------------------------------------------------------------


@require_GET
def phrase_list(request: AuthedRequest) -> HttpResponse:
    user = _staff(request)
    project = request.kefu_project
    q = request.GET.get("q", "").strip()[:100]
    scene = request.GET.get("scene", "")
    if scene not in Phrase.Scene.values:
        scene = ""
    rows = list(selectors.phrase_list(user=user, q=q, scene=scene, project=project)[:500])
    labels: dict[str, Any] = dict(Phrase.Scene.choices)
    groups: list[tuple[Any, list[tuple[Phrase, bool]]]]
    if q:  # best match first, one list
        groups = [(_("搜索结果"), [(p, _may_edit(user, p.project_id)) for p in rows])] if rows else []
    else:
        groups = [
            (labels[key], [(p, _may_edit(user, p.project_id)) for p in items])
            for key, items in groupby(rows, key=lambda p: p.scene)
        ]
    ctx = {
        "nav": "kb_phrases",
        "groups": groups,
        "count": len(rows),
        "scenes": Phrase.Scene.choices,
        "f": {"q": q, "scene": scene},
        "may_add": bool(scoped.scope_choices(user, Perm.MANAGE_KB, project)),
    }
    return render(request, "kb/phrase_list.html", ctx)


def phrase_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    user = _staff(request)
    phrase = _editable(user, lambda: selectors.phrase_get(user=user, pk=pk)) if pk else None
    scopes = scoped.scope_choices(user, Perm.MANAGE_KB, request.kefu_project)
    if phrase is None and not scopes:
        raise Http404
    if request.method == "POST":
        # Every scope parses; the service refuses what the user may not do (the form comes back with the
        # scopes offered to this user).
        form = PhraseForm(request.POST)
        form.fields["scope"].required = phrase is None

        def save(d: dict[str, Any], target: Project | None) -> Phrase:
            return services.phrase_save(
                actor=user,
                phrase=phrase,
                project=target,
                scene=d["scene"],
                title=d["title"],
                body=d["body"],
                sort=d["sort"],
            )

        saved = _save(request, form, phrase, save)
        if saved is not None:
            return redirect(reverse("kb:phrases") + f"?scene={saved.scene}#phrase-{saved.pk}")
        form.fields["scope"].choices = scopes  # type: ignore[attr-defined]
    else:
        initial: dict[str, Any] = {"scope": scopes[0][0] if scopes else "project", "sort": 0}
        if phrase is not None:
            initial.update({k: getattr(phrase, k) for k in ("scene", "title", "body", "sort")})
        elif request.GET.get("scene") in Phrase.Scene.values:
            initial["scene"] = request.GET["scene"]
        form = PhraseForm(initial=initial, scopes=scopes)
    return render(request, "kb/phrase_form.html", {"nav": "kb_phrases", "form": form, "phrase": phrase})


@require_POST
def phrase_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    phrase = _editable(user, lambda: selectors.phrase_get(user=user, pk=pk))
    attempt(request, lambda: services.phrase_delete(actor=user, phrase=phrase), success=_("已删除"))
    return redirect("kb:phrases")


# Canned replies (常用回复) ---------------------------------------------------------------------------------


def _canned_scopes(user: User, project: Project | None) -> list[tuple[str, Any]]:
    return [PERSONAL, *scoped.scope_choices(user, Perm.MANAGE_KB, project)]


def _may_edit_reply(user: User, reply: CannedReply) -> bool:
    return reply.owner_id == user.pk if reply.owner_id is not None else _may_edit(user, reply.project_id)


@require_GET
def canned_list(request: AuthedRequest) -> HttpResponse:
    user = _staff(request)
    q = request.GET.get("q", "").strip()[:100]
    replies = list(selectors.canned_list(user=user, q=q, project=request.kefu_project)[:500])
    ctx = {
        "nav": "kb_canned",
        "mine": [r for r in replies if r.owner_id is not None],
        "shared": [(r, _may_edit_reply(user, r)) for r in replies if r.owner_id is None],
        "f": {"q": q},
        "placeholders": placeholders.PLACEHOLDERS.items(),
    }
    return render(request, "kb/canned_list.html", ctx)


def canned_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    user = _staff(request)
    reply = _found(lambda: selectors.canned_get(user=user, pk=pk)) if pk else None
    if reply is not None and not _may_edit_reply(user, reply):
        raise Http404
    scopes = _canned_scopes(user, request.kefu_project)
    if request.method == "POST":
        # Every scope parses; the service refuses what the user may not do (the form comes back with the
        # scopes offered to this user).
        form = CannedForm(request.POST)
        form.fields["scope"].required = reply is None

        def save(d: dict[str, Any], target: Project | None) -> CannedReply:
            return services.canned_save(
                actor=user,
                reply=reply,
                personal=d["scope"] == PERSONAL[0],
                project=target,
                title=d["title"],
                body=d["body"],
                sort=d["sort"],
            )

        saved = None
        if form.is_valid() and (reply is not None or form.cleaned_data["scope"] == PERSONAL[0]):
            # personal replies (and edits) need no current project
            _ok, saved = attempt(request, lambda: save(form.cleaned_data, None), form=form, success=_("已保存"))
        else:
            saved = _save(request, form, reply, save)
        if saved is not None:
            return redirect(reverse("kb:canned") + f"#reply-{saved.pk}")
        form.fields["scope"].choices = scopes  # type: ignore[attr-defined]
    else:
        initial: dict[str, Any] = {"scope": PERSONAL[0], "sort": 0}
        if reply is not None:
            initial.update({k: getattr(reply, k) for k in ("title", "body", "sort")})
        form = CannedForm(initial=initial, scopes=scopes)
    ctx = {"nav": "kb_canned", "form": form, "reply": reply, "placeholders": placeholders.PLACEHOLDERS.items()}
    return render(request, "kb/canned_form.html", ctx)


@require_POST
def canned_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    reply = _found(lambda: selectors.canned_get(user=user, pk=pk))
    if not _may_edit_reply(user, reply):
        raise Http404
    attempt(request, lambda: services.canned_delete(actor=user, reply=reply), success=_("已删除"))
    return redirect("kb:canned")


@require_GET
def canned_render(request: AuthedRequest, pk: int) -> JsonResponse:
    """The reply filled in for the case `?case=<number>`: {"id", "title", "text", "missing"}.

    404 when the reply or the case is not the user's to see, or the reply belongs to another project."""
    user = _staff(request)
    number = request.GET.get("case", "").strip().upper()[:30]
    if not number:
        raise Http404
    reply = _found(lambda: selectors.canned_get(user=user, pk=pk))
    case = _found(lambda: case_get(user=user, number=number))
    if reply.project_id is not None and reply.project_id != case.project_id:
        raise Http404
    out = placeholders.render_for_case(reply.body, case, user)
    return JsonResponse({"id": reply.pk, "title": reply.title, "text": out.text, "missing": out.missing})
