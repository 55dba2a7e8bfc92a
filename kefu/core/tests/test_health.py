"""Liveness and readiness for load balancers and process managers: no login, no session, JSON."""

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

pytestmark = pytest.mark.django_db


def test_liveness_answers_without_a_login(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_readiness_checks_the_database_and_the_migrations(client):
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json() == {"status": "ok", "database": "ok"}
    # A migration the database has not applied makes the process not ready.
    last = MigrationRecorder.Migration.objects.filter(app="tickets").order_by("-id").first()
    last.delete()
    try:
        r = client.get("/readyz")
        assert r.status_code == 503
        assert r.json() == {"status": "unavailable", "database": "ok", "pending_migrations": 1}
    finally:
        MigrationRecorder(connection).record_applied(last.app, last.name)


def test_health_endpoints_only_answer_get(client):
    assert client.post("/healthz").status_code == 405
