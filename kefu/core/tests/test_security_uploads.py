"""Uploads are judged by their real content (filetype's magic numbers), not their name or the browser's type, and
by their size: a .jpg that is PHP, HTML, SVG or a Windows program is refused, so is an oversize photo, and nothing
is written, neither an attachment row, nor a timeline event, nor a file on disk. Through the staff pages, the API
and the portal (pages and API)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token

from kefu.portal.demo import png
from kefu.portal.tests.conftest import _fresh_cache, desk, new_case, portal, reported  # noqa: F401
from kefu.tickets import services as ts
from kefu.tickets.models import Attachment, Case, CaseEvent

EVIL = {
    "php": b"<?php system($_GET['c']); ?>\n",
    "html": b"<!doctype html><html><body><script>alert(1)</script></body></html>",
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>',
    "exe": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 200,
}
LIMIT = 1024 * 1024


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KEFU_ATTACHMENT_MAX_BYTES = LIMIT
    return settings.MEDIA_ROOT


def files_on_disk(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def jpg(content: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def big_png() -> bytes:
    return png() + b"\x00" * (LIMIT + 1)  # still a PNG by its header, one byte over the limit


def flashes(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


class Snapshot:
    def __init__(self, media: Path) -> None:
        self.media = media
        self.counts = self.now()

    def now(self) -> tuple[int, int, int, int]:
        return (
            Case.objects.count(),
            CaseEvent.objects.count(),
            Attachment.objects.count(),
            len(files_on_disk(self.media)),
        )

    def unchanged(self) -> bool:
        return self.now() == self.counts


@pytest.mark.parametrize("kind", sorted(EVIL))
def test_the_staff_intake_form_refuses_a_disguised_file_and_writes_nothing(client, desk, media, kind):  # noqa: F811
    w = desk.w
    client.force_login(w.alice)
    before = Snapshot(media)
    data = {
        "kind": "repair",
        "channel": "phone",
        "priority": "normal",
        "description": "卫生间漏水",
        "unit": w.unit_a1.pk,
    }
    r = client.post("/cases/new/", {**data, "files": [jpg(png(), "ok.jpg"), jpg(EVIL[kind])]})
    assert r.status_code in (200, 400)
    assert "不支持的文件类型：photo.jpg" in r.content.decode()
    assert before.unchanged()
    # The same form with the real photo goes through: the refusal was the file's.
    r = client.post("/cases/new/", {**data, "files": [jpg(png(), "ok.jpg")]})
    assert r.status_code == 302 and Attachment.objects.get().content_type == "image/png"


def test_an_oversize_photo_is_refused_on_the_intake_form(client, desk, media):  # noqa: F811
    client.force_login(desk.w.alice)
    before = Snapshot(media)
    data = {
        "kind": "repair",
        "channel": "phone",
        "priority": "normal",
        "description": "卫生间漏水",
        "unit": desk.w.unit_a1.pk,
    }
    r = client.post("/cases/new/", {**data, "files": [jpg(big_png())]})
    assert "文件过大（最大 1 MB）" in r.content.decode()
    assert before.unchanged()


@pytest.mark.parametrize("action", ["attach", "resolve"])
def test_a_good_photo_beside_a_bad_file_is_not_kept_either(client, desk, new_case, media, action):  # noqa: F811
    """Attaching on the case page and the field worker's completion photos: all the files or none."""
    w = desk.w
    case = ts.case_dispatch(actor=w.alice, case=new_case(), assignee=desk.fred)
    case = ts.case_accept(actor=desk.fred, case=case)
    client.force_login(desk.fred if action == "resolve" else w.alice)
    before = Snapshot(media)
    extra = {"note": "已更换水管接头"} if action == "resolve" else {"is_public": "on"}
    r = client.post(f"/cases/{case.number}/{action}/", {**extra, "files": [jpg(png(), "ok.jpg"), jpg(EVIL["svg"])]})
    assert r.status_code == 302
    assert "不支持的文件类型：photo.jpg（支持图片、PDF、Office 文档和录音）" in flashes(r)
    assert before.unchanged()
    case.refresh_from_db()
    assert case.status == "accepted"  # not resolved either


def test_the_api_refuses_disguised_and_oversize_files_and_writes_nothing(client, desk, new_case, media):  # noqa: F811
    w = desk.w
    case = new_case()
    auth = {"Authorization": f"Token {Token.objects.create(user=w.alice).key}"}
    before = Snapshot(media)
    for content in [*EVIL.values(), big_png()]:
        r = client.post(
            "/api/v1/cases/",
            {
                "project": "A",
                "kind": "repair",
                "description": "漏水",
                "unit": str(w.unit_a1.pk),
                "files": [jpg(content)],
            },
            headers=auth,
        )
        assert r.status_code == 400, r.content
        body = json.loads(r.content)
        assert body["fields"]["files"][0].startswith(("不支持的文件类型：photo.jpg", "文件过大"))
        r = client.post(f"/api/v1/cases/{case.number}/attachments/", {"file": jpg(content)}, headers=auth)
        assert r.status_code == 400, r.content
    assert before.unchanged()


def test_the_portal_refuses_disguised_and_oversize_photos_and_writes_nothing(client, portal, reported, media):  # noqa: F811
    w = portal.w
    case = reported()
    client.force_login(portal.zhang)
    before = Snapshot(media)
    base = {"kind": "repair", "category": portal.desk.leak.pk, "description": "漏水", "place": f"u{w.unit_a1.pk}"}
    for name, content in [*EVIL.items(), ("big", big_png())]:
        r = client.post("/m/report/", {**base, "photos": [jpg(png(), "ok.jpg"), jpg(content)]})
        assert r.status_code == 200, name
        text = r.content.decode()
        assert ("照片过大（每张最大 1 MB）" if name == "big" else "只能上传图片：photo.jpg") in text, name
        r = client.post(f"/m/cases/{case.number}/comment/", {"body": "补充", "photos": [jpg(content)]})
        assert before.unchanged(), name
    # The portal API (apps, mini-programs).
    auth = {"Authorization": f"Token {Token.objects.create(user=portal.zhang).key}"}
    for content in [*EVIL.values(), big_png()]:
        r = client.post(
            "/api/v1/portal/cases/",
            {"kind": "repair", "unit": w.unit_a1.pk, "description": "漏水", "photos": [jpg(content)]},
            headers=auth,
        )
        assert r.status_code == 400, r.content
    assert before.unchanged()


def test_a_stored_attachment_is_served_with_its_sniffed_type_and_nosniff(client, desk, new_case, media):  # noqa: F811
    """What was stored is sent back as what it is: an image inline with its real type, never as HTML."""
    w = desk.w
    case = new_case(uploads=[ts.Upload("evil.html", png())])
    att = case.attachments.get()
    client.force_login(w.alice)
    r = client.get(f"/cases/{case.number}/files/{att.pk}/")
    assert r.status_code == 200
    assert r["Content-Type"] == "image/png" and r["X-Content-Type-Options"] == "nosniff"
