"""Shared fixtures: two projects and a named person for every role (see kefu/testing.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kefu import testing as t
from kefu.org.roles import Role


@pytest.fixture
def world(db):
    """Project A (with zones A1, A2) and project B, and one user per role and scope.

    alice: agent of A; sam: supervisor of A; mia: manager of A; stella: steward of zone A1;
    fred: field staff of A; quinn: QC reviewer of A; archie: archivist of A; carl: complaint officer of A;
    bob: agent of B; mike: manager of B; hera: head office.
    """
    a = t.ProjectFactory(code="A", name="阳光花园")
    b = t.ProjectFactory(code="B", name="中心大厦", kind="office")
    a1 = t.ZoneFactory(project=a, code="A1", name="一区")
    a2 = t.ZoneFactory(project=a, code="A2", name="二区")
    w = SimpleNamespace(a=a, b=b, a1=a1, a2=a2)
    w.alice = t.staff(Role.AGENT, a, username="alice", name="王丽")
    w.sam = t.staff(Role.SUPERVISOR, a, username="sam", name="刘晓燕")
    w.mia = t.staff(Role.MANAGER, a, username="mia", name="陈建国")
    w.stella = t.staff(Role.STEWARD, a, zones=[a1], username="stella", name="孙浩")
    w.fred = t.staff(Role.FIELD_STAFF, a, username="fred", name="黄永刚")
    w.quinn = t.staff(Role.QC_REVIEWER, a, username="quinn", name="徐慧")
    w.archie = t.staff(Role.ARCHIVIST, a, username="archie", name="郭佳怡")
    w.carl = t.staff(Role.COMPLAINT_OFFICER, a, username="carl", name="赵敏")
    w.bob = t.staff(Role.AGENT, b, username="bob", name="唐佳琪")
    w.mike = t.staff(Role.MANAGER, b, username="mike", name="宋立新")
    w.hera = t.staff(Role.HEAD_OFFICE, None, username="hera", name="李总")
    # Units: one in zone A1, one in zone A2, one in project B, each with a household.
    w.unit_a1 = t.UnitFactory(building=t.BuildingFactory(project=a, code="1"), zone=a1, number="1201")
    w.unit_a2 = t.UnitFactory(building=t.BuildingFactory(project=a, code="2"), zone=a2, number="0801")
    w.unit_b = t.UnitFactory(building=t.BuildingFactory(project=b, code="1"), number="2001")
    w.cust_a1 = t.household(w.unit_a1, name="张伟", mobile="13800001111")
    w.cust_a2 = t.household(w.unit_a2, name="王芳", mobile="13900002222")
    w.cust_b = t.household(w.unit_b, name="李娜", mobile="13700003333")
    return w


@pytest.fixture(autouse=True)
def _migration_data_after_flush(request):
    """Transactional tests end with a flush that also removes what data migrations wrote (default
    categories, SLA policies, the holiday calendar, visit policies and scripts, QC defaults). Put it back before each
    transactional test."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return
    request.getfixturevalue("transactional_db")
    import importlib

    from django.apps import apps

    from kefu.tickets.models import Category

    if not Category.objects.exists():
        importlib.import_module("kefu.tickets.migrations.0002_defaults").seed(apps)
        from kefu.tickets import calendar

        calendar.clear_cache()
    from kefu.visits.models import VisitPolicy

    if not VisitPolicy.objects.exists():
        importlib.import_module("kefu.visits.migrations.0002_defaults").seed(apps)
    from kefu.quality.models import ErrorPoint

    if not ErrorPoint.objects.exists():
        importlib.import_module("kefu.quality.migrations.0002_defaults").seed(apps)


def pytest_configure(config):
    from django.conf import settings

    # Argon2 is deliberately slow; tests create many users. Production keeps Argon2 (settings.py).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def login(client, user):
    client.force_login(user)
    return client


# Screenshots kept on failure (browser tests) -------------------------------------------------------------------
# The report of each phase is stored on the item (item.rep_setup, item.rep_call, item.rep_teardown) for fixtures
# that want to know whether the test failed. When a test's setup or call fails, every page still open in a
# browser of kefu.browser.browser() is saved, full page, as test-artifacts/screenshots/failures/<test-id>-<n>.png:
# at that moment the test's fixtures have not closed their pages yet, so every browser test benefits unchanged.


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    if report.failed and report.when in ("setup", "call"):
        import os
        import re
        from pathlib import Path

        from kefu import browser

        if browser.OPEN_BROWSERS:
            folder = Path(os.environ.get("KEFU_ARTIFACTS", "test-artifacts")) / "screenshots" / "failures"
            stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid).strip("_")[:150]
            saved = browser.save_open_pages(folder, stem)
            if saved:
                report.sections.append(("screenshots", "\n".join(str(p) for p in saved)))
    return report
