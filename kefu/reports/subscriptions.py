"""Scheduled reports (定时报表): the schedule, the reads and writes of subscriptions, and the sending of one
delivery. The scheduler (kefu.reports.jobs.run_due) writes the deliveries that fall due; the worker runs
kefu.reports.tasks.send_report, which calls delivery_send(). Rules: docs/report-subscriptions.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import smtplib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core.db_router import replica_reads
from kefu.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from kefu.core.xlsx import XLSX_MIME
from kefu.org.models import Department, Project, User, Zone

from . import registry
from .base import (
    Filters,
    Period,
    day_period,
    may_view_reports,
    month_period,
    quarter_period,
    report_projects,
    scope_line,
    week_period,
)
from .models import Frequency, ReportDelivery, ReportSubscription, shown_period

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_MINUTES = (5, 15, 60, 240)  # the wait after the 1st, 2nd, 3rd and 4th failed attempt
STALE_AFTER = dt.timedelta(minutes=30)  # a delivery queued or sending this long is looked at again
MAX_EXTRA_RECIPIENTS = 10
RECENT_DELIVERIES = 3

WEEKDAYS: dict[int, Any] = {
    1: gettext_lazy("周一"),
    2: gettext_lazy("周二"),
    3: gettext_lazy("周三"),
    4: gettext_lazy("周四"),
    5: gettext_lazy("周五"),
    6: gettext_lazy("周六"),
    7: gettext_lazy("周日"),
}
# The period each frequency sends: the last complete one.
NATURAL_KIND = {
    Frequency.DAILY: "day",
    Frequency.WEEKLY: "week",
    Frequency.MONTHLY: "month",
    Frequency.QUARTERLY: "quarter",
}


def _msg_forbidden() -> str:
    return _("只有可以查看报表的管理人员才能订阅报表")


# The schedule -----------------------------------------------------------------------------------------------


def _at(day: dt.date, hour: int) -> dt.datetime:
    """hour:00 Beijing time on the day."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _clamped(year: int, month: int, day: int) -> dt.date:
    """The day of that month, or its last day when the month is shorter (31 → 30 April, 28/29 February)."""
    last = month_period(year, month).end
    return last if day > last.day else dt.date(year, month, day)


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def next_run(
    frequency: str, hour: int, weekday: int | None, day_of_month: int | None, after: dt.datetime
) -> dt.datetime:
    """The first send time strictly after `after` (Beijing calendar): daily at hour:00; weekly on the weekday
    (1 = Monday); monthly on the day of the month; quarterly on that day of January, April, July and October.
    A day past the month's end means the month's last day."""
    today = timezone.localdate(after)
    if frequency == Frequency.DAILY:
        at = _at(today, hour)
        return at if at > after else _at(today + dt.timedelta(days=1), hour)
    if frequency == Frequency.WEEKLY:
        day = today + dt.timedelta(days=((weekday or 1) - 1 - today.weekday()) % 7)
        at = _at(day, hour)
        return at if at > after else _at(day + dt.timedelta(days=7), hour)
    step = 3 if frequency == Frequency.QUARTERLY else 1
    year, month = today.year, today.month
    if step == 3:
        month = (month - 1) // 3 * 3 + 1
    while True:
        at = _at(_clamped(year, month, day_of_month or 1), hour)
        if at > after:
            return at
        year, month = _add_months(year, month, step)


def last_complete_period(frequency: str, today: dt.date) -> Period:
    """What a send on `today` reports on: yesterday, last Monday-to-Sunday week, last month, last quarter."""
    if frequency == Frequency.DAILY:
        return day_period(today - dt.timedelta(days=1))
    if frequency == Frequency.WEEKLY:
        return week_period(today - dt.timedelta(days=7))
    if frequency == Frequency.MONTHLY:
        prev = today.replace(day=1) - dt.timedelta(days=1)
        return month_period(prev.year, prev.month)
    prev = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1) - dt.timedelta(days=1)
    return quarter_period(prev.year, (prev.month - 1) // 3 + 1)


def period_kind(report: registry.Report, frequency: str) -> str | None:
    """The period kind the report is built with: the frequency's own (day, week, month, quarter) when the report
    offers it, else a custom range with the same dates; None when the report offers neither."""
    natural = NATURAL_KIND[Frequency(frequency)]
    if natural in report.periods:
        return natural
    return "custom" if "custom" in report.periods else None


def period_for(report: registry.Report, frequency: str, today: dt.date) -> Period | None:
    kind = period_kind(report, frequency)
    if kind is None:
        return None
    p = last_complete_period(frequency, today)
    return Period(kind, p.start, p.end)


def schedule_text(sub: ReportSubscription) -> str:
    """每日 08:00 / 每周一 08:00 / 每月 1 日 08:00 / 每季度首月 1 日 08:00."""
    time = f"{sub.hour:02d}:00"
    if sub.frequency == Frequency.DAILY:
        return _("每日 %(t)s（发送前一日）") % {"t": time}
    if sub.frequency == Frequency.WEEKLY:
        return _("每%(d)s %(t)s（发送上周）") % {"d": WEEKDAYS.get(sub.weekday or 1, ""), "t": time}
    if sub.frequency == Frequency.MONTHLY:
        return _("每月 %(d)s 日 %(t)s（发送上月）") % {"d": sub.day_of_month, "t": time}
    return _("每季度首月 %(d)s 日 %(t)s（发送上季度）") % {"d": sub.day_of_month, "t": time}


# Reads ----------------------------------------------------------------------------------------------------------


def subscription_list(user: User) -> QuerySet[ReportSubscription]:
    """The user's own subscriptions, each with its last few deliveries (`recent`)."""
    recent = ReportDelivery.objects.order_by("-created_at", "-pk")
    return (
        ReportSubscription.objects.filter(user=user)
        .select_related("project", "zone__project", "department")
        .prefetch_related(Prefetch("deliveries", queryset=recent[:RECENT_DELIVERIES], to_attr="recent"))
        .order_by("pk")
    )


def subscription_get(user: User, pk: Any) -> ReportSubscription:
    """One of the user's own subscriptions; anyone else's is "not found", like a missing one."""
    try:
        return ReportSubscription.objects.select_related("project", "zone", "department").get(pk=int(pk), user=user)
    except (ReportSubscription.DoesNotExist, TypeError, ValueError) as exc:
        raise NotFound(_("订阅不存在")) from exc


def recipients(sub: ReportSubscription) -> list[str]:
    """The subscriber's own address first, then the extra ones (no address twice)."""
    out: list[str] = []
    seen: set[str] = set()
    for address in [sub.user.email, *sub.extra_recipients]:
        address = (address or "").strip()
        if address and address.lower() not in seen:
            seen.add(address.lower())
            out.append(address)
    return out


def clean_addresses(text: str) -> list[str]:
    """Addresses separated by commas, semicolons, spaces or lines; raises ValidationFailed on a bad one."""
    parts = [p.strip() for p in text.replace("；", ";").replace("，", ",").replace(";", ",").split(",")]
    out: list[str] = []
    for part in parts:
        for address in part.split():
            if address.lower() not in {a.lower() for a in out}:
                out.append(address)
    _check_addresses(out)
    return out


def _check_addresses(addresses: list[str]) -> None:
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError as exc:
            msg = _("“%(a)s”不是有效的电子邮箱地址") % {"a": address}
            raise ValidationFailed(msg, fields={"extra_recipients": [msg]}) from exc
    if len(addresses) > MAX_EXTRA_RECIPIENTS:
        msg = _("其他收件人最多 %(n)s 个") % {"n": MAX_EXTRA_RECIPIENTS}
        raise ValidationFailed(msg, fields={"extra_recipients": [msg]})


def scope_errors(
    user: User, project: Project | None, zone: Zone | None, department: Department | None
) -> dict[str, str]:
    """What in the filters lies outside the user's report scope (field → message); empty when all is fine."""
    if not user.is_active:
        return {"": _("订阅人账号已停用")}
    if not may_view_reports(user):
        return {"": _("订阅人已没有查看报表的权限")}
    ids = set(report_projects(user).values_list("pk", flat=True))
    errors: dict[str, str] = {}
    if project is not None and project.pk not in ids:
        errors["project"] = _("项目“%(p)s”不在您的报表范围内") % {"p": project.name}
    if zone is not None:
        if zone.project_id not in ids:
            errors["zone"] = _("区域“%(z)s”不在您的报表范围内") % {"z": zone.name}
        elif project is not None and zone.project_id != project.pk:
            errors["zone"] = _("所选区域不属于所选项目")
    if department is not None:
        if department.project_id is not None and department.project_id not in ids:
            errors["department"] = _("部门“%(d)s”不在您的报表范围内") % {"d": department.name}
        elif project is not None and department.project_id not in (None, project.pk):
            errors["department"] = _("所选部门不属于所选项目")
    return errors


# Writes ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionInput:
    report_key: str
    frequency: str
    hour: int
    weekday: int | None = None
    day_of_month: int | None = None
    project: Project | None = None
    zone: Zone | None = None
    department: Department | None = None
    extra_recipients: tuple[str, ...] = ()
    is_active: bool = True


def _validate(actor: User, data: SubscriptionInput) -> registry.Report:
    fields: dict[str, list[str]] = {}
    report = registry.get(data.report_key)
    if report is None:
        fields["report_key"] = [_("请选择要订阅的报表")]
    if data.frequency not in Frequency.values:
        fields["frequency"] = [_("请选择发送频率")]
    elif report is not None and period_kind(report, data.frequency) is None:
        fields["frequency"] = [
            _("“%(r)s”不提供%(f)s统计，请选择其他发送频率") % {"r": report.title, "f": Frequency(data.frequency).label}
        ]
    if not 0 <= data.hour <= 23:
        fields["hour"] = [_("发送时间应在 0 至 23 点之间")]
    if data.frequency == Frequency.WEEKLY and not (data.weekday and 1 <= data.weekday <= 7):
        fields["weekday"] = [_("每周发送请选择星期几")]
    if data.frequency in (Frequency.MONTHLY, Frequency.QUARTERLY) and not (
        data.day_of_month and 1 <= data.day_of_month <= 31
    ):
        fields["day_of_month"] = [_("请选择在几号发送（1-31）")]
    for name, msg in scope_errors(actor, data.project, data.zone, data.department).items():
        fields.setdefault(name or "__all__", []).append(msg)
    _check_addresses(list(data.extra_recipients))
    if not (actor.email or "").strip() and not data.extra_recipients:
        fields["extra_recipients"] = [_("您的账号没有登记电子邮箱，请至少填写一个收件人")]
    if fields:
        raise ValidationFailed(next(iter(fields.values()))[0], fields=fields)
    assert report is not None
    return report


def subscription_save(
    *,
    actor: User,
    data: SubscriptionInput,
    subscription: ReportSubscription | None = None,
    now: dt.datetime | None = None,
) -> ReportSubscription:
    """Create a subscription, or change one of the actor's own. The next send time is computed from now."""
    now = now or timezone.now()
    if not may_view_reports(actor):
        raise Forbidden(_msg_forbidden())
    if subscription is not None and subscription.user_id != actor.pk:
        raise NotFound(_("订阅不存在"))
    _validate(actor, data)
    weekday = data.weekday if data.frequency == Frequency.WEEKLY else None
    day = data.day_of_month if data.frequency in (Frequency.MONTHLY, Frequency.QUARTERLY) else None
    own = (actor.email or "").strip().lower()
    values: dict[str, Any] = {
        "report_key": data.report_key,
        "frequency": data.frequency,
        "hour": data.hour,
        "weekday": weekday,
        "day_of_month": day,
        "project": data.project,
        "zone": data.zone,
        "department": data.department,
        "extra_recipients": [a for a in data.extra_recipients if a.lower() != own],
        "is_active": data.is_active,
        "next_run_at": next_run(data.frequency, data.hour, weekday, day, now),
    }
    with transaction.atomic():
        if subscription is None:
            return ReportSubscription.objects.create(user=actor, **values)
        sub = ReportSubscription.objects.select_for_update().get(pk=subscription.pk)
        for name, value in values.items():
            setattr(sub, name, value)
        sub.save(update_fields=[*values, "updated_at"])
        return sub


def subscription_set_active(
    *, actor: User, subscription: ReportSubscription, active: bool, now: dt.datetime | None = None
) -> ReportSubscription:
    """Pause, or resume (the next send is the next scheduled time from now: nothing missed is sent)."""
    now = now or timezone.now()
    if subscription.user_id != actor.pk:
        raise NotFound(_("订阅不存在"))
    with transaction.atomic():
        sub = ReportSubscription.objects.select_for_update().get(pk=subscription.pk)
        sub.is_active = active
        fields = ["is_active", "updated_at"]
        if active:
            sub.next_run_at = next_run(sub.frequency, sub.hour, sub.weekday, sub.day_of_month, now)
            fields.append("next_run_at")
        sub.save(update_fields=fields)
        return sub


def subscription_delete(*, actor: User, subscription: ReportSubscription) -> None:
    if subscription.user_id != actor.pk:
        raise NotFound(_("订阅不存在"))
    subscription.delete()


def delivery_open(sub: ReportSubscription, period: Period, *, manual: bool, now: dt.datetime) -> ReportDelivery | None:
    """Write the delivery of a period and queue it for the worker once the transaction commits. None when the
    scheduled delivery of that period is already there (another scheduler, or a restart, wrote it)."""
    try:
        with transaction.atomic():
            delivery = ReportDelivery.objects.create(
                subscription=sub,
                period_start=period.start,
                period_end=period.end,
                period_kind=period.kind,
                manual=manual,
                queued_at=now,
            )
    except IntegrityError:
        return None
    enqueue(delivery.pk)
    return delivery


def enqueue(delivery_id: int) -> None:
    """Hand the delivery to the worker after the surrounding transaction commits."""
    from .tasks import send_report

    transaction.on_commit(lambda: send_report.enqueue(delivery_id))


def subscription_send_now(
    *, actor: User, subscription: ReportSubscription, now: dt.datetime | None = None
) -> ReportDelivery:
    """立即发送一次: the last complete period, sent by the worker in a moment (the schedule is unchanged)."""
    now = now or timezone.now()
    if subscription.user_id != actor.pk:
        raise NotFound(_("订阅不存在"))
    report = registry.get(subscription.report_key)
    period = period_for(report, subscription.frequency, timezone.localdate(now)) if report else None
    if report is None or period is None:
        raise ValidationFailed(_("该报表已不可订阅，请修改或删除此订阅"))
    problems = scope_errors(actor, subscription.project, subscription.zone, subscription.department)
    if problems:
        raise Forbidden(next(iter(problems.values())))
    if not recipients(subscription):
        raise ValidationFailed(_("没有收件人：请登记您的电子邮箱或填写其他收件人"))
    with transaction.atomic():
        sub = ReportSubscription.objects.select_for_update().get(pk=subscription.pk)
        busy = sub.deliveries.filter(
            manual=True, status__in=[ReportDelivery.Status.PENDING, ReportDelivery.Status.SENDING]
        )
        if busy.exists():
            raise Conflict(_("上一次“立即发送”还在进行中，请稍后刷新查看"))
        delivery = delivery_open(sub, period, manual=True, now=now)
    assert delivery is not None  # manual deliveries are not unique per period
    return delivery


# Sending --------------------------------------------------------------------------------------------------------


def _base_url() -> str:
    return str(getattr(settings, "KEFU_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")


def compose(sub: ReportSubscription, report: registry.Report, f: Filters, name: str, data: bytes) -> EmailMessage:
    """The e-mail: a Chinese subject and body with the scope line, the workbook attached."""
    who = sub.user.display_name
    title = str(report.title)
    subject = _("【定时报表】%(title)s · %(period)s · %(scope)s") % {
        "title": title,
        "period": shown_period(f.period).label,
        "scope": f.project.name if f.project else _("全部项目"),
    }
    lines = [
        _("%(who)s，您好：") % {"who": who},
        "",
        _("附件是您订阅的“%(title)s”（%(schedule)s）。") % {"title": title, "schedule": schedule_text(sub)},
        scope_line(dataclasses.replace(f, period=shown_period(f.period))),
        "",
        _("报表按您在发送时的报表权限生成，数字与报表中心页面一致。"),
        _("管理订阅（修改、暂停或退订）：%(url)s") % {"url": _base_url() + "/reports/subscriptions/"},
        "",
        _("本邮件由客服中心系统自动发送，请勿直接回复。"),
    ]
    msg = EmailMessage(
        subject=subject,
        body="\n".join(lines),
        to=recipients(sub),
    )
    msg.attach(f"{name}.xlsx", data, XLSX_MIME)
    return msg


def delivery_fail(delivery: ReportDelivery, error: str, now: dt.datetime, *, retry: bool) -> str:
    """Record a failed attempt; with `retry`, the scheduler tries again after the back-off, up to MAX_ATTEMPTS."""
    retry_at = None
    if retry and delivery.attempts < MAX_ATTEMPTS:
        wait = BACKOFF_MINUTES[min(delivery.attempts, len(BACKOFF_MINUTES)) - 1]
        retry_at = now + dt.timedelta(minutes=wait)
    ReportDelivery.objects.filter(pk=delivery.pk, status=ReportDelivery.Status.SENDING).update(
        status=ReportDelivery.Status.FAILED, last_error=error[:2000], retry_at=retry_at
    )
    return f"failed: {error}"


def _smtp_error(exc: Exception) -> tuple[str, bool]:
    """(the reason shown to the subscriber, whether trying again may help)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return _("收件地址被邮件服务器拒绝：%(a)s") % {"a": "、".join(sorted(exc.recipients))}, False
    if isinstance(exc, smtplib.SMTPResponseException):
        permanent = 500 <= exc.smtp_code < 600
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return _("邮件服务器拒绝：%(code)s %(text)s") % {"code": exc.smtp_code, "text": text}, not permanent
    return _("无法连接邮件服务器：%(e)s") % {"e": f"{type(exc).__name__}: {exc}"}, True


def delivery_send(delivery_id: int, now: dt.datetime | None = None) -> str:
    """Build the workbook as the subscriber and send the e-mail, once.

    The row is claimed first with a conditional UPDATE (pending → sending): a second worker, a task queued
    twice or a retry of a delivery already sent finds nothing to claim and sends nothing."""
    now = now or timezone.now()
    claimed = ReportDelivery.objects.filter(pk=delivery_id, status=ReportDelivery.Status.PENDING).update(
        status=ReportDelivery.Status.SENDING, attempts=F("attempts") + 1, claimed_at=now, retry_at=None
    )
    if not claimed:
        return "skipped: not pending"
    delivery = ReportDelivery.objects.select_related(
        "subscription__user", "subscription__project", "subscription__zone", "subscription__department"
    ).get(pk=delivery_id)
    sub = delivery.subscription
    user = sub.user
    report = registry.get(sub.report_key)
    if report is None:
        return delivery_fail(delivery, _("报表“%(k)s”已不存在，未发送") % {"k": sub.report_key}, now, retry=False)
    problems = scope_errors(user, sub.project, sub.zone, sub.department)
    if problems:
        return delivery_fail(delivery, _("%(why)s，未发送") % {"why": "；".join(problems.values())}, now, retry=False)
    to = recipients(sub)
    if not to:
        return delivery_fail(delivery, _("没有收件人（订阅人未登记电子邮箱），未发送"), now, retry=False)
    ReportDelivery.objects.filter(pk=delivery.pk).update(recipients=to)
    f = Filters(period=delivery.period, project=sub.project, zone=sub.zone, department=sub.department)
    try:
        with replica_reads():  # the report's reads only: the delivery's own rows stay on the primary
            _name, data = report.workbook(user, f, now)
        name = f"{report.title}-{shown_period(f.period).label}"
        msg = compose(sub, report, f, name, data)
    except Exception as exc:  # a report that cannot be built is retried like a failed send
        logger.exception("report %s for delivery %s could not be built", sub.report_key, delivery.pk)
        return delivery_fail(
            delivery, _("生成报表失败：%(e)s") % {"e": f"{type(exc).__name__}: {exc}"}, now, retry=True
        )
    try:
        msg.send(using="default")  # the default mailer: MAILERS, or the EMAIL_* settings
    except (smtplib.SMTPException, OSError) as exc:
        error, retry = _smtp_error(exc)
        return delivery_fail(delivery, error, now, retry=retry)
    ReportDelivery.objects.filter(pk=delivery.pk, status=ReportDelivery.Status.SENDING).update(
        status=ReportDelivery.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return f"sent to {len(to)}"
