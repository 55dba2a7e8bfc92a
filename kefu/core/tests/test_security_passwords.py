"""Password rules (AUTH_PASSWORD_VALIDATORS: at least 8 characters, not all digits, not a common password, not
close to the username or name) wherever a password is set: a new staff member (page and API), the residents'
sign-up (page and API-less service), and one's own password change. Messages in Chinese; nothing written."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import authenticate

from kefu import testing as t
from kefu.org.models import User

WEAK = {
    "abc12": "此密码太短，至少要包含 8 个字符。",
    "20261123": "密码只包含数字。",
    "password123": "这个密码太常见了。",
    "zhangsanfeng1": "密码跟",  # ...登录名/用户名 太相似了。
}
STRONG = "Kefu-Strong-77"


def chinese(messages: list[str]) -> bool:
    return bool(messages) and all(
        re.search(r"[\u4e00-\u9fff]", m) and not re.search(r"[A-Za-z]{5,}", m) for m in messages
    )


def new_staff(project, password: str, username: str = "zhangsanfeng") -> dict[str, object]:
    return {"username": username, "name": "张三丰", "password": password, "role": "agent", "project": project.pk}


@pytest.mark.parametrize("password", sorted(WEAK))
def test_a_manager_cannot_give_a_new_staff_member_a_weak_password(client, world, password):
    client.force_login(world.mia)
    r = client.post("/org/staff/new/", new_staff(world.a, password))
    assert r.status_code == 200
    errors = [str(e) for e in r.context["form"].errors.get("password", [])]
    assert errors and WEAK[password] in " ".join(errors) and chinese(errors)
    assert not User.objects.filter(username="zhangsanfeng").exists()


def test_a_manager_gives_a_new_staff_member_a_good_password(client, world):
    client.force_login(world.mia)
    r = client.post("/org/staff/new/", new_staff(world.a, STRONG))
    assert r.status_code == 302
    assert authenticate(username="zhangsanfeng", password=STRONG) is not None


def test_the_staff_api_refuses_a_weak_password_in_chinese(client, world):
    client.force_login(world.mia)
    body = {
        "username": "zhangsanfeng",
        "name": "张三丰",
        "password": "12345678",
        "role": "agent",
        "project": world.a.pk,
    }
    r = client.post("/api/v1/staff/", body, content_type="application/json")
    assert r.status_code == 400, r.content
    assert chinese(r.json()["fields"]["password"])
    assert not User.objects.filter(username="zhangsanfeng").exists()


@pytest.mark.parametrize("password", ["abc12", "13600006666", "password123"])
def test_the_portal_sign_up_refuses_a_weak_password_in_chinese(client, db, password):
    r = client.post(
        "/m/signup/", {"name": "赵六", "mobile": "13600006666", "password": password, "password2": password}
    )
    assert r.status_code == 200
    errors = [str(e) for e in r.context["form"].errors.get("password", [])]
    assert chinese(errors)
    assert not User.objects.filter(mobile="13600006666").exists()


def test_changing_ones_own_password_applies_the_rules(client, world):
    client.force_login(world.alice)
    page = client.get("/password/")
    assert page.status_code == 200 and "修改密码" in page.content.decode()
    for new, message in [("12345678", "密码只包含数字。"), ("alice", "此密码太短，至少要包含 8 个字符。")]:
        r = client.post("/password/", {"old_password": t.PASSWORD, "new_password1": new, "new_password2": new})
        assert r.status_code == 200
        errors = [str(e) for e in r.context["form"].errors.get("new_password2", [])]
        assert message in errors and chinese(errors)
    r = client.post("/password/", {"old_password": "wrong-one", "new_password1": STRONG, "new_password2": STRONG})
    assert r.context["form"].errors["old_password"] == ["你的旧密码不正确。请重新输入。"]
    assert authenticate(username="alice", password=t.PASSWORD) is not None  # nothing changed so far
    r = client.post("/password/", {"old_password": t.PASSWORD, "new_password1": STRONG, "new_password2": STRONG})
    assert r.status_code == 302
    assert authenticate(username="alice", password=STRONG) is not None
    assert authenticate(username="alice", password=t.PASSWORD) is None
    assert "_auth_user_id" in client.session  # still logged in after the change
