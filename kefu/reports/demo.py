"""The demo's scheduled report (called by seed_demo): the manager of 阳光花园 (jingli) gets last month's
satisfaction report by e-mail on the 1st at 08:00. Made through the service, as a manager would."""

from __future__ import annotations

from kefu.org.models import Project, User

from . import registry
from .models import Frequency, ReportSubscription
from .subscriptions import SubscriptionInput, subscription_save

DEMO_REPORTS = ("visits-satisfaction", "visits-rate")  # the first one the report centre has


def build_demo_subscriptions() -> list[ReportSubscription]:
    manager = User.objects.filter(username="jingli").first()
    project = Project.objects.filter(code="YGHY").first()
    reports = registry.all_reports()
    key = next((k for k in DEMO_REPORTS if k in reports), None)
    if manager is None or key is None:
        return []
    data = SubscriptionInput(report_key=key, frequency=Frequency.MONTHLY, hour=8, day_of_month=1, project=project)
    return [subscription_save(actor=manager, data=data)]
