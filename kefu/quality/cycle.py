"""Stage times from the timeline. Called for every new CaseEvent (tickets.services._event): when the
event ends a stage, the stage's row is written with its start (the latest event that starts that stage)
and its operator (whoever ended it). Cycle-time figures then aggregate StageTime in SQL.

    stage         starts with                          ends with
    dispatch      create, reject, reopen (to 待派单)     dispatch
    accept        dispatch, transfer                   accept, grab
    handle        accept, grab, reopen (to 处理中)       resolve
    first_reply   create                               the first public reply, or solving it at once
    visit         resolve                              the finished return visit (event "visit")
    close         visit, or resolve when no visit       close
"""

from __future__ import annotations

from typing import Any

from .models import Stage, StageTime

STARTS: dict[str, tuple[str, ...]] = {
    Stage.DISPATCH: ("create", "reject", "reopen"),
    Stage.ACCEPT: ("dispatch", "transfer"),
    Stage.HANDLE: ("accept", "grab", "reopen"),
    Stage.FIRST_REPLY: ("create",),
    Stage.VISIT: ("resolve",),
    Stage.CLOSE: ("visit", "resolve"),
}
ENDS: dict[str, str] = {
    "dispatch": Stage.DISPATCH,
    "accept": Stage.ACCEPT,
    "grab": Stage.ACCEPT,
    "resolve": Stage.HANDLE,
    "visit": Stage.VISIT,
    "close": Stage.CLOSE,
    "solve_at_once": Stage.FIRST_REPLY,
}


def _record(stage: str, event: Any, case: Any) -> StageTime | None:
    if stage == Stage.FIRST_REPLY and StageTime.objects.filter(case=case, stage=stage).exists():
        return None  # only the first reply counts
    starts = STARTS[stage]
    qs = case.events.filter(kind__in=starts, at__lte=event.at).exclude(pk=event.pk)
    if stage == Stage.DISPATCH:
        qs = qs.exclude(kind="reopen", to_status__in=["in_progress"])
    elif stage == Stage.HANDLE:
        qs = qs.exclude(kind="reopen", to_status="new")
    start = qs.order_by("-at", "-pk").only("at").first()
    if start is None:
        return None
    seconds = max(0, int((event.at - start.at).total_seconds()))
    return StageTime.objects.create(
        case=case,
        project_id=case.project_id,
        stage=stage,
        kind=case.kind,
        channel=case.channel,
        category_id=case.category_id,
        department_id=case.department_id,
        operator_id=event.actor_id,
        started_at=start.at,
        ended_at=event.at,
        seconds=seconds,
        end_event=event,
    )


def on_event(event: Any, case: Any) -> None:
    stage = ENDS.get(event.kind)
    if stage is not None:
        _record(stage, event, case)


def on_first_reply(event: Any, case: Any) -> None:
    _record(Stage.FIRST_REPLY, event, case)
