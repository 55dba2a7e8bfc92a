"""Login throttling and lockout on the staff login form (kefu/core/login_guard.py), with the real database: the
clock is moved (login_guard.clock), nothing sleeps."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from kefu import testing as t
from kefu.core import login_guard
from kefu.core.models import LoginFailure
from kefu.org.roles import Role

WRONG = "not-the-password"
LOCKED_TEXT = "登录失败次数过多，账号或本机已被暂时锁定"
INVALID_TEXT = "用户名或密码错误"


@pytest.fixture
def limits(settings):
    settings.KEFU_LOGIN_FAILURES_PER_USER = 5
    settings.KEFU_LOGIN_FAILURES_PER_IP = 20
    settings.KEFU_LOGIN_WINDOW_SECONDS = 15 * 60
    settings.KEFU_LOGIN_LOCK_SECONDS = 15 * 60
    return settings


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)

    def move(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(login_guard, "clock", lambda: c.now)
    return c


@pytest.fixture
def agent(db):
    a = t.ProjectFactory(code="A", name="阳光花园")
    return t.staff(Role.AGENT, a, username="alice", name="王丽")


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def errors(response) -> list[str]:
    return [str(e) for e in response.context["form"].non_field_errors()]


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_five_wrong_passwords_lock_the_username_and_the_lock_ends_after_fifteen_minutes(client, agent, clock, limits):
    for _ in range(5):
        r = attempt(client, "alice", WRONG)
        assert r.status_code == 200 and errors(r) == [INVALID_TEXT]
        clock.move(minutes=1)
    # The right password is refused now, before it is checked, and says so in Chinese.
    r = attempt(client, "alice", t.PASSWORD)
    assert r.status_code == 429 and not logged_in(client)
    [message] = errors(r)
    assert message.startswith(LOCKED_TEXT) and "分钟后再试" in message
    assert LOCKED_TEXT in r.content.decode()
    # Recorded for audit: five failures and the refused try, with the address.
    rows = list(LoginFailure.objects.order_by("at", "pk").values_list("username", "ip", "outcome"))
    assert rows == [("alice", "10.0.0.1", "failed")] * 5 + [("alice", "10.0.0.1", "locked")]
    # The lock runs 15 minutes from the fifth failure (made at +4 min): still locked at +18 min...
    clock.move(minutes=13)
    assert attempt(client, "alice", t.PASSWORD).status_code == 429 and not logged_in(client)
    # ...and over at +19 min 1 s.
    clock.move(minutes=1, seconds=1)
    r = attempt(client, "alice", t.PASSWORD)
    assert r.status_code == 302 and logged_in(client)


def test_the_lock_names_the_minutes_left(client, agent, clock, limits):
    for _ in range(5):
        attempt(client, "alice", WRONG)
    clock.move(minutes=10, seconds=30)
    [message] = errors(attempt(client, "alice", t.PASSWORD))
    assert re.search(r"请 (\d+) 分钟后再试", message).group(1) == "5"  # 4 min 30 s left, rounded up


def test_a_username_that_does_not_exist_is_answered_exactly_like_one_that_does(client, agent, clock, limits):
    answers = {}
    for name in ("alice", "nobody"):
        seen = []
        for _ in range(6):
            r = attempt(client, name, WRONG)
            seen.append((r.status_code, errors(r)))
        answers[name] = seen
    assert answers["alice"] == answers["nobody"]
    assert [s for s, _ in answers["alice"]] == [200] * 5 + [429]
    assert LoginFailure.objects.filter(username="nobody", outcome="failed").count() == 5


def test_failures_spread_over_more_than_the_window_do_not_lock(client, agent, clock, limits):
    for _ in range(4):
        attempt(client, "alice", WRONG)
    clock.move(minutes=16)
    for _ in range(4):
        assert attempt(client, "alice", WRONG).status_code == 200
    r = attempt(client, "alice", t.PASSWORD)
    assert r.status_code == 302 and logged_in(client)


def test_tries_while_locked_do_not_extend_the_lock(client, agent, clock, limits):
    for _ in range(5):
        attempt(client, "alice", WRONG)
    for _ in range(10):
        clock.move(minutes=1)
        assert attempt(client, "alice", WRONG).status_code == 429
    clock.move(minutes=5, seconds=1)  # 15 min 1 s after the fifth failure
    assert attempt(client, "alice", t.PASSWORD).status_code == 302
    assert LoginFailure.objects.filter(outcome="locked").count() == 10


def test_the_username_is_locked_whatever_its_case_or_spaces(client, agent, clock, limits):
    for name in ("alice", "ALICE", " Alice", "alice ", "aLiCe"):
        attempt(client, name, WRONG)
    assert attempt(client, "alice", t.PASSWORD).status_code == 429


def test_one_address_trying_many_usernames_is_locked_but_others_are_not(client, agent, clock, limits):
    for i in range(20):
        assert attempt(client, f"user{i}", WRONG, ip="10.9.9.9").status_code == 200
    # alice has no failure of her own, but the address is locked...
    r = attempt(client, "alice", t.PASSWORD, ip="10.9.9.9")
    assert r.status_code == 429 and not logged_in(client)
    assert LoginFailure.objects.filter(ip="10.9.9.9", outcome="locked", username="alice").count() == 1
    # ...and alice elsewhere logs in.
    r = attempt(client, "alice", t.PASSWORD, ip="10.0.0.2")
    assert r.status_code == 302 and logged_in(client)


def test_the_lock_is_shared_by_every_client(agent, clock, limits):
    """The count lives in the database: a second browser (or web process) sees the same lock."""
    from django.test import Client

    first, second = Client(), Client()
    for _ in range(5):
        attempt(first, "alice", WRONG, ip="10.0.0.1")
    assert attempt(second, "alice", t.PASSWORD, ip="10.0.0.7").status_code == 429


def test_a_successful_login_is_not_recorded_as_a_failure(client, agent, clock, limits):
    assert attempt(client, "alice", t.PASSWORD).status_code == 302
    assert not LoginFailure.objects.exists()


def test_an_empty_form_is_refused_without_counting(client, agent, clock, limits):
    for _ in range(10):
        r = client.post("/login/", {"username": "alice", "password": ""}, REMOTE_ADDR="10.0.0.1")
        assert r.status_code == 200
    assert not LoginFailure.objects.exists()
    assert attempt(client, "alice", t.PASSWORD).status_code == 302


def test_behind_the_proxy_each_client_is_counted_by_the_address_the_proxy_gives(client, agent, clock, limits):
    """deploy/nginx sends every request from 127.0.0.1 with X-Real-IP: the per-address lock must not lock everyone."""
    for i in range(20):
        r = client.post(
            "/login/",
            {"username": f"user{i}", "password": WRONG},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_REAL_IP="203.0.113.9",
        )
        assert r.status_code == 200
    assert set(LoginFailure.objects.values_list("ip", flat=True)) == {"203.0.113.9"}
    proxied = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "203.0.113.9"}
    assert client.post("/login/", {"username": "alice", "password": t.PASSWORD}, **proxied).status_code == 429
    other = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "198.51.100.4"}
    assert client.post("/login/", {"username": "alice", "password": t.PASSWORD}, **other).status_code == 302


def test_a_client_cannot_pick_its_own_address_with_forwarding_headers(client, agent, clock, limits):
    """Only the trusted proxy's headers count: from anywhere else X-Real-IP and X-Forwarded-For are ignored."""
    for i in range(20):
        attempt(client, f"user{i}", WRONG, ip="10.9.9.9")
    spoofed = {"REMOTE_ADDR": "10.9.9.9", "HTTP_X_REAL_IP": "1.2.3.4", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}
    assert client.post("/login/", {"username": "alice", "password": t.PASSWORD}, **spoofed).status_code == 429
    assert not LoginFailure.objects.filter(ip="1.2.3.4").exists()
