"""Background tasks of the notification outbox (run by `manage.py db_worker`)."""

from __future__ import annotations

from django.tasks import task


@task()
def send_outbox() -> int:
    """Send every due delivery; returns how many were sent."""
    from .outbox import send_due

    return send_due().sent
