"""Case kinds, statuses and the one table of allowed transitions.

Every service that changes a case's status calls `check(action, status)`; the UI and the API ask
`allowed_actions()` what to offer. Nothing else decides whether a move is legal.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    CONSULTATION = "consultation", _("咨询")
    COMPLAINT = "complaint", _("投诉")
    SUGGESTION = "suggestion", _("建议")
    REPAIR = "repair", _("报修")
    HELP = "help", _("求助")
    PRAISE = "praise", _("表扬")
    SPECIAL_SERVICE = "special_service", _("特约服务")


# Case number prefixes: TS20261122-0001.
PREFIX = {
    Kind.CONSULTATION: "ZX",
    Kind.COMPLAINT: "TS",
    Kind.SUGGESTION: "JY",
    Kind.REPAIR: "BX",
    Kind.HELP: "QZ",
    Kind.PRAISE: "BY",
    Kind.SPECIAL_SERVICE: "TY",
}


class Channel(models.TextChoices):
    PHONE = "phone", _("电话/热线")
    WALK_IN = "walk_in", _("来访")
    LETTER = "letter", _("来信")
    EMAIL = "email", _("邮件")
    WECHAT = "wechat", _("微信")
    QQ = "qq", _("QQ")
    WEIBO = "weibo", _("微博")
    PORTAL = "portal", _("微物业")
    PATROL = "patrol", _("巡查")
    DEVICE = "device", _("设备报警")
    VISIT = "visit", _("回访走访")
    API = "api", _("系统接口")


class Priority(models.TextChoices):
    LOW = "low", _("低")
    NORMAL = "normal", _("普通")
    HIGH = "high", _("紧急")
    URGENT = "urgent", _("特急")


class Status(models.TextChoices):
    NEW = "new", _("待派单")
    DISPATCHED = "dispatched", _("已派单")
    ACCEPTED = "accepted", _("已接单")
    IN_PROGRESS = "in_progress", _("处理中")
    WAITING = "waiting", _("挂起")
    RESOLVED = "resolved", _("已完成待回访")
    CLOSED = "closed", _("已关闭")
    CANCELLED = "cancelled", _("已取消")


OPEN_STATUSES = frozenset({Status.NEW, Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS, Status.WAITING})
DONE_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED})


class WaitReason(models.TextChoices):
    CUSTOMER = "customer", _("等待客户")
    PARTS = "parts", _("等待配件")
    OTHER_DEPARTMENT = "other_department", _("等待其他部门")


class Action(models.TextChoices):
    """Business actions on a case (also the timeline's event kinds for status changes)."""

    CREATE = "create", _("受理")
    SOLVE_AT_ONCE = "solve_at_once", _("当场解决")
    DISPATCH = "dispatch", _("派单")
    GRAB = "grab", _("抢单")
    ACCEPT = "accept", _("接单")
    REJECT = "reject", _("退单")
    TRANSFER = "transfer", _("转单")
    START = "start", _("开始处理")
    HOLD = "hold", _("挂起")
    RESUME = "resume", _("恢复处理")
    RESOLVE = "resolve", _("办结")
    CLOSE = "close", _("关闭")
    REOPEN = "reopen", _("重新打开")
    CANCEL = "cancel", _("取消")
    SPLIT = "split", _("拆分工作单")


S = Status
# action -> (statuses it may start from, status it leads to; None = decided by the service)
TRANSITIONS: dict[Action, tuple[frozenset[Status], Status | None]] = {
    Action.SOLVE_AT_ONCE: (frozenset({S.NEW}), S.CLOSED),
    Action.DISPATCH: (frozenset({S.NEW}), S.DISPATCHED),
    Action.GRAB: (frozenset({S.DISPATCHED}), S.ACCEPTED),
    Action.ACCEPT: (frozenset({S.DISPATCHED}), S.ACCEPTED),
    Action.REJECT: (frozenset({S.DISPATCHED, S.ACCEPTED}), S.NEW),
    Action.TRANSFER: (frozenset({S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS}), S.DISPATCHED),
    Action.START: (frozenset({S.ACCEPTED}), S.IN_PROGRESS),
    Action.HOLD: (frozenset({S.ACCEPTED, S.IN_PROGRESS}), S.WAITING),
    Action.RESUME: (frozenset({S.WAITING}), S.IN_PROGRESS),
    Action.RESOLVE: (frozenset({S.ACCEPTED, S.IN_PROGRESS}), S.RESOLVED),
    Action.CLOSE: (frozenset({S.RESOLVED}), S.CLOSED),
    Action.REOPEN: (frozenset({S.RESOLVED, S.CLOSED}), None),  # back to the handler, or to 待派单
    Action.CANCEL: (frozenset({S.NEW, S.DISPATCHED}), S.CANCELLED),
    Action.SPLIT: (frozenset({S.NEW, S.ACCEPTED, S.IN_PROGRESS}), S.IN_PROGRESS),
}

ILLEGAL = "当前状态「{status}」不能执行「{action}」"


def can_transition(action: Action, status: str) -> bool:
    sources, _target = TRANSITIONS[action]
    return status in sources


def allowed_from(status: str) -> list[Action]:
    return [a for a, (sources, _t) in TRANSITIONS.items() if status in sources]
