"""The transition table is enforced by the services, whoever calls them."""

import datetime as dt

import pytest

from kefu.core.errors import Conflict, Forbidden, ValidationFailed
from kefu.tickets import services
from kefu.tickets.models import Case, CaseEvent
from kefu.tickets.states import TRANSITIONS, Action, Status

NOW = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)


def drive_to(case, status, desk):
    """Bring a fresh case to a status through the services."""
    w = desk.w
    if status == Status.NEW:
        return case
    if status == Status.CLOSED:
        case = drive_to(case, Status.RESOLVED, desk)
        return services.case_close(actor=w.sam, case=case, now=NOW)
    if status == Status.CANCELLED:
        return services.case_cancel(actor=w.alice, case=case, reason="客户撤回", now=NOW)
    case = services.case_dispatch(actor=w.alice, case=case, assignee=desk.fred, department=desk.gc, now=NOW)
    if status == Status.DISPATCHED:
        return case
    case = services.case_accept(actor=desk.fred, case=case, now=NOW)
    if status == Status.ACCEPTED:
        return case
    case = services.case_start(actor=desk.fred, case=case, now=NOW)
    if status == Status.IN_PROGRESS:
        return case
    if status == Status.WAITING:
        return services.case_hold(actor=desk.fred, case=case, reason="parts", now=NOW)
    return services.case_resolve(actor=desk.fred, case=case, note="已更换水管", now=NOW)


def attempt(action, case, desk):
    w = desk.w
    calls = {
        Action.SOLVE_AT_ONCE: lambda: services.case_solve_at_once(actor=w.alice, case=case, answer="已答复"),
        Action.DISPATCH: lambda: services.case_dispatch(
            actor=w.alice, case=case, assignee=desk.fred, department=desk.gc
        ),
        Action.GRAB: lambda: services.case_grab(actor=desk.fred, case=case),
        Action.ACCEPT: lambda: services.case_accept(actor=desk.fred, case=case),
        Action.REJECT: lambda: services.case_reject(actor=w.sam, case=case, reason="不属本部门"),
        Action.TRANSFER: lambda: services.case_transfer(
            actor=w.sam, case=case, reason="转土建", assignee=desk.gus, department=desk.gc
        ),
        Action.START: lambda: services.case_start(actor=w.sam, case=case),
        Action.HOLD: lambda: services.case_hold(actor=w.sam, case=case, reason="customer"),
        Action.RESUME: lambda: services.case_resume(actor=w.sam, case=case),
        Action.RESOLVE: lambda: services.case_resolve(actor=w.sam, case=case, note="完成"),
        Action.CLOSE: lambda: services.case_close(actor=w.sam, case=case),
        Action.REOPEN: lambda: services.case_reopen(actor=w.sam, case=case, reason="客户不满意"),
        Action.CANCEL: lambda: services.case_cancel(actor=w.sam, case=case, reason="重复"),
        Action.SPLIT: lambda: services.case_split(
            actor=w.sam, case=case, parts=[services.Part(department=desk.gc, title="维修")]
        ),
    }
    return calls[action]()


ILLEGAL = [(a, s) for a, (sources, _t) in TRANSITIONS.items() for s in Status if s not in sources]


@pytest.mark.parametrize(("action", "status"), ILLEGAL, ids=[f"{a.value}-from-{s.value}" for a, s in ILLEGAL])
def test_it_refuses_every_illegal_transition_and_writes_nothing(desk, new_case, action, status):
    case = drive_to(new_case(), status, desk)
    case.refresh_from_db()
    assert case.status == status
    events = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(Conflict) as e:
        attempt(action, case, desk)
    assert e.value.code == "illegal_transition"
    assert e.value.message == f"当前状态「{Status(status).label}」不能执行「{action.label}」"
    case.refresh_from_db()
    assert case.status == status
    assert CaseEvent.objects.filter(case=case).count() == events


def test_it_walks_the_main_flow_and_records_every_step(desk, new_case):
    w = desk.w
    case = new_case()
    assert case.number.startswith("BX20261120-")
    case = services.case_dispatch(actor=w.alice, case=case, assignee=desk.fred, department=desk.gc, now=NOW)
    case = services.case_reject(actor=desk.fred, case=case, reason="需土建处理", now=NOW)
    assert case.status == Status.NEW and case.assignee is None
    case = services.case_dispatch(actor=w.alice, case=case, assignee=desk.gus, department=desk.gc, now=NOW)
    case = services.case_transfer(
        actor=desk.gus, case=case, reason="水电问题", assignee=desk.fred, department=desk.gc, now=NOW
    )
    case = services.case_accept(actor=desk.fred, case=case, now=NOW)
    case = services.case_start(actor=desk.fred, case=case, now=NOW)
    case = services.case_hold(actor=desk.fred, case=case, reason="parts", now=NOW)
    case = services.case_resume(actor=desk.fred, case=case, now=NOW + dt.timedelta(hours=5))
    case = services.case_resolve(actor=desk.fred, case=case, note="更换角阀", now=NOW + dt.timedelta(hours=6))
    case = services.case_close(actor=w.sam, case=case, now=NOW + dt.timedelta(days=1))
    kinds = list(case.events.order_by("at", "pk").values_list("kind", flat=True))
    assert kinds == [
        "create",
        "dispatch",
        "reject",
        "dispatch",
        "transfer",
        "accept",
        "start",
        "hold",
        "resume",
        "resolve",
        "close",
    ]
    assert all(e.actor_id for e in case.events.exclude(kind="create")) and case.status == Status.CLOSED


def test_it_lets_only_the_assignee_accept(desk, new_case):
    case = services.case_dispatch(actor=desk.w.alice, case=new_case(), assignee=desk.fred, department=desk.gc)
    with pytest.raises(Forbidden):
        services.case_accept(actor=desk.gus, case=case)
    case = services.case_accept(actor=desk.fred, case=case)
    with pytest.raises(Forbidden):
        services.case_resolve(actor=desk.gus, case=case, note="x")
    with pytest.raises(Forbidden):
        services.case_resolve(actor=desk.w.bob, case=case, note="x")


def test_it_refuses_dispatch_to_people_of_another_project_or_outside_the_department(desk, new_case):
    case = new_case()
    with pytest.raises(ValidationFailed):
        services.case_dispatch(actor=desk.w.alice, case=case, assignee=desk.w.bob)
    with pytest.raises(ValidationFailed) as e:
        services.case_dispatch(actor=desk.w.alice, case=case, assignee=desk.w.sam, department=desk.gc)
    assert e.value.message == services.MSG_NOT_MEMBER
    with pytest.raises(Forbidden):
        services.case_dispatch(actor=desk.w.bob, case=case, assignee=desk.fred)
    assert Case.objects.get(pk=case.pk).status == Status.NEW


def test_it_needs_a_reason_to_reject(desk, new_case):
    case = services.case_dispatch(actor=desk.w.alice, case=new_case(), assignee=desk.fred, department=desk.gc)
    with pytest.raises(ValidationFailed) as e:
        services.case_reject(actor=desk.fred, case=case, reason="  ")
    assert e.value.message == services.MSG_REASON


def test_it_refuses_a_stale_version(desk, new_case):
    case = new_case()
    seen = case.version
    services.case_dispatch(actor=desk.w.alice, case=case, assignee=desk.fred, department=desk.gc, version=seen)
    case = Case.objects.get(pk=case.pk)
    services.case_reject(actor=desk.fred, case=case, reason="退回")
    with pytest.raises(Conflict) as e:
        services.case_dispatch(actor=desk.w.sam, case=case, assignee=desk.gus, department=desk.gc, version=seen)
    assert e.value.code == "stale"
