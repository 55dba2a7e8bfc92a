"""Knowledge-base reads, scoped to who asks.

- FAQ: customers read the published articles shared by all projects and those of the projects they live
  in (kefu.portal.access.my_projects); staff read the published articles of their projects and the shared
  ones, plus the unpublished ones they may manage (Perm.MANAGE_KB).
- Phrases: every staff member reads those of their projects and the shared ones.
- Canned replies: a staff member's own personal replies, plus the shared replies of their projects and
  those shared by all projects.

Anything else is "not found", whether it exists or not.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

from kefu.core.errors import NotFound
from kefu.org.models import Project, User
from kefu.org.roles import Perm
from kefu.org.scope import access, is_staff_member, visible_projects
from kefu.portal.access import is_customer, my_projects

from . import search
from .models import FAQ_CATEGORIES, CannedReply, FaqArticle, Phrase

MSG_FAQ_NOT_FOUND = "未找到该问题"
MSG_PHRASE_NOT_FOUND = "未找到该服务用语"
MSG_REPLY_NOT_FOUND = "未找到该常用回复"
# Canned replies: one's own (owner set) before the shared ones, on SQLite and PostgreSQL alike.
OWN_FIRST = (F("owner").asc(nulls_last=True), "sort", "pk")


def _staff_projects_q(user: User) -> Q:
    return Q(project__isnull=True) | Q(project__in=visible_projects(user))


def manage_q(user: User) -> Q:
    """Rows the user may change: a project's with Perm.MANAGE_KB there; shared ones with it everywhere."""
    a = access(user, Perm.MANAGE_KB)
    if a.all_projects:
        return Q(pk__isnull=False)
    return Q(project__in=sorted(a.project_ids))


def _narrow(qs: QuerySet[Any], project: Project | None) -> QuerySet[Any]:
    """The console's current project: its own rows and the shared ones (None: every reachable project)."""
    if project is None:
        return qs
    return qs.filter(Q(project__isnull=True) | Q(project=project))


# FAQ ----------------------------------------------------------------------------------------------------


def faq_for(user: Any) -> QuerySet[FaqArticle]:
    """Every article the user may read."""
    qs = FaqArticle.objects.select_related("project")
    if is_customer(user):
        return qs.filter(is_published=True).filter(Q(project__isnull=True) | Q(project__in=my_projects(user)))
    if not is_staff_member(user):
        return qs.none()
    return qs.filter(_staff_projects_q(user)).filter(Q(is_published=True) | manage_q(user))


def faq_list(
    *,
    user: Any,
    q: str = "",
    category: str = "",
    project: Project | None = None,
    published: bool | None = None,
) -> QuerySet[FaqArticle]:
    """The articles the user may read, filtered; with `q`, those matching its words, best match first."""
    qs = _narrow(faq_for(user), project)
    if category:
        qs = qs.filter(category=category)
    if published is not None:
        qs = qs.filter(is_published=published)
    if q.strip():
        return search.ranked(qs, q, search.FAQ_WEIGHTS, "sort", "-view_count")
    return qs.order_by("sort", "-view_count", "pk")


def faq_categories(qs: QuerySet[FaqArticle]) -> list[str]:
    """The categories in use, the usual ones of an estate in their usual order (其他 last), then the rest."""
    known = {name: i for i, name in enumerate(FAQ_CATEGORIES)}
    used = set(qs.order_by().values_list("category", flat=True))
    return sorted(used, key=lambda c: (known.get(c, known["其他"] - 0.5), c))


def faq_get(*, user: Any, pk: int) -> FaqArticle:
    article = faq_for(user).filter(pk=pk).first()
    if article is None:
        raise NotFound(MSG_FAQ_NOT_FOUND)
    return article


def faq_related(article: FaqArticle, qs: QuerySet[FaqArticle], limit: int = 5) -> list[FaqArticle]:
    """Other articles of the same category (from the reader's own `qs`), most read first."""
    return list(
        qs.filter(category=article.category).exclude(pk=article.pk).order_by("sort", "-view_count", "pk")[:limit]
    )


# Phrases ------------------------------------------------------------------------------------------------


def phrases_for(user: Any) -> QuerySet[Phrase]:
    if not is_staff_member(user):
        return Phrase.objects.none()
    return Phrase.objects.filter(_staff_projects_q(user)).select_related("project")


def _scene_order() -> Case:
    """Scenes in the order of a call (greeting first, closing last), not alphabetically."""
    whens = [When(scene=value, then=Value(i)) for i, value in enumerate(Phrase.Scene.values)]
    return Case(*whens, default=Value(len(whens)), output_field=IntegerField())


def phrase_list(*, user: Any, q: str = "", scene: str = "", project: Project | None = None) -> QuerySet[Phrase]:
    qs = _narrow(phrases_for(user), project).annotate(scene_order=_scene_order())
    if scene:
        qs = qs.filter(scene=scene)
    if q.strip():
        return search.ranked(qs, q, search.PHRASE_WEIGHTS, "scene_order", "sort")
    return qs.order_by("scene_order", "sort", "pk")


def phrase_get(*, user: Any, pk: int) -> Phrase:
    phrase = phrases_for(user).filter(pk=pk).first()
    if phrase is None:
        raise NotFound(MSG_PHRASE_NOT_FOUND)
    return phrase


# Canned replies -----------------------------------------------------------------------------------------


def canned_for(user: Any) -> QuerySet[CannedReply]:
    if not is_staff_member(user):
        return CannedReply.objects.none()
    shared = Q(owner__isnull=True) & _staff_projects_q(user)
    return CannedReply.objects.filter(Q(owner=user) | shared).select_related("project", "owner")


def canned_list(*, user: Any, q: str = "", project: Project | None = None) -> QuerySet[CannedReply]:
    """The user's own replies first, then the shared ones (sorted), optionally containing `q`."""
    qs = _narrow(canned_for(user), project)
    text = q.strip()
    if text:
        qs = qs.filter(Q(title__icontains=text) | Q(body__icontains=text))
    return qs.order_by(*OWN_FIRST)


def canned_for_case(*, user: Any, case: Any) -> QuerySet[CannedReply]:
    """The replies that can be used on a case: the user's own, shared ones of the case's project or all."""
    return canned_for(user).filter(Q(project__isnull=True) | Q(project=case.project_id)).order_by(*OWN_FIRST)


def canned_get(*, user: Any, pk: int) -> CannedReply:
    reply = canned_for(user).filter(pk=pk).first()
    if reply is None:
        raise NotFound(MSG_REPLY_NOT_FOUND)
    return reply
