"""Fixtures and markers of the reliability tests (test_concurrency.py, test_crash_safety.py).

`@pytest.mark.postgresql`: a test that only means something on PostgreSQL (it relies on row or table locks that
SQLite does not have). In a run on SQLite such tests are deselected at collection (pytest reports them as
"deselected"), never silently passed; in the PostgreSQL pass (DATABASE_URL set) they run.
"""

from __future__ import annotations

import pytest
from django.conf import settings

from kefu.tickets.tests.conftest import desk, new_case

__all__ = ["desk", "new_case"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgresql: runs only on PostgreSQL (deselected on SQLite)")


def _on_postgresql() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _on_postgresql():
        return
    deselected = [item for item in items if item.get_closest_marker("postgresql") is not None]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item.get_closest_marker("postgresql") is None]
