"""Background work of the report centre, run by the worker (`manage.py db_worker`, django-tasks-db)."""

from __future__ import annotations

from django.tasks import task


@task()
def send_report(delivery_id: int) -> str:
    """Build one scheduled report as its subscriber and e-mail it (kefu.reports.subscriptions.delivery_send).
    Failures are recorded on the delivery (and retried by the scheduler), not raised: the task itself succeeds."""
    from .subscriptions import delivery_send

    return delivery_send(delivery_id)
