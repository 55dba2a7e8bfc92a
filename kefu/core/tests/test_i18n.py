"""The UI is Chinese by default and English once chosen; the English catalogue is complete and compiled.

When one of these fails after you added or changed a Chinese UI string, update the catalogue
(see docs/i18n.md): makemessages, translate the new entries, compilemessages, commit the .po and .mo.
"""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
HOW_TO = "update the catalogue as described in docs/i18n.md"


# --- a small .po reader (polib is not a dependency) ---------------------------------------------


def read_po(path: Path) -> list[dict[str, Any]]:
    """The entries of a .po file: msgid, msgid_plural, msgstr ({index: text}), flags, refs; no obsolete ones."""
    entries: list[dict[str, Any]] = []
    cur: dict[str, Any] | None = None
    key: str | int | None = None
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if cur and "msgid" in cur:
                entries.append(cur)
            cur, key = None, None
            continue
        if cur is None:
            cur = {"flags": set(), "refs": [], "msgstr": {}}
        if line.startswith("#~"):
            cur["obsolete"] = True
        elif line.startswith("#,"):
            cur["flags"] |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#:"):
            cur["refs"] += line[2:].split()
        elif line.startswith("#"):
            continue
        else:
            m = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$', line)
            if m:
                key, index, text = m.group(1), m.group(2), ast.literal_eval(m.group(3))
                if key == "msgstr":
                    key = int(index or 0)
                    cur["msgstr"][key] = text
                else:
                    cur[key] = text
            elif line.startswith('"') and key is not None:
                text = ast.literal_eval(line)
                if isinstance(key, int):
                    cur["msgstr"][key] += text
                else:
                    cur[key] += text
            else:
                raise AssertionError(f"{path}: cannot read line {raw!r}")
    return [e for e in entries if e["msgid"] and not e.get("obsolete")]


@pytest.fixture(scope="module")
def po_entries():
    assert PO.exists(), f"{PO} is missing; {HOW_TO}"
    return read_po(PO)


# --- the language switch --------------------------------------------------------------------------


def test_it_shows_chinese_by_default_and_english_once_chosen(world, client):
    client.force_login(world.alice)
    url = reverse("customers:list")

    body = client.get(url).content.decode()
    assert '<html lang="zh-hans">' in body
    assert "客户档案" in body and "查询" in body

    r = client.post(reverse("set_language"), {"language": "en", "next": url})
    assert r.status_code == 302 and r["Location"] == url

    body = client.get(url).content.decode()
    assert '<html lang="en">' in body
    assert "<h1>Customer archive</h1>" in body
    assert ">Search</button>" in body and ">Reset</a>" in body
    assert "2 records" in body
    assert "查询" not in body and "客户档案" not in body and "重置" not in body


def test_it_switches_back_to_chinese(world, client):
    client.force_login(world.alice)
    client.post(reverse("set_language"), {"language": "en"})
    client.post(reverse("set_language"), {"language": "zh-hans"})
    body = client.get(reverse("customers:list")).content.decode()
    assert '<html lang="zh-hans">' in body and "查询" in body and ">Search<" not in body


def test_it_translates_the_login_page_for_anonymous_visitors(db, client):
    client.post(reverse("set_language"), {"language": "en"})
    body = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in body and "Log in" in body and "登录" not in body


# --- the catalogue ------------------------------------------------------------------------------


def test_it_has_an_english_translation_for_every_msgid(po_entries):
    assert len(po_entries) > 100
    problems = []
    for e in po_entries:
        where = e["refs"][0] if e["refs"] else "?"
        forms = [e["msgstr"].get(i, "") for i in ((0, 1) if "msgid_plural" in e else (0,))]
        if not all(f.strip() for f in forms):
            problems.append(f"untranslated: {e['msgid']!r} ({where})")
        elif "fuzzy" in e["flags"]:
            problems.append(f"fuzzy (check it, then remove the flag): {e['msgid']!r} ({where})")
    assert not problems, f"{len(problems)} entries in {PO.relative_to(ROOT)}; {HOW_TO}:\n" + "\n".join(problems)


def test_it_keeps_placeholders_in_translations(po_entries):
    placeholder = re.compile(r"%\((\w+)\)[sd]")
    for e in po_entries:
        wanted = set(placeholder.findall(e["msgid"])) | set(placeholder.findall(e.get("msgid_plural", "")))
        for index, text in e["msgstr"].items():
            got = set(placeholder.findall(text))
            if "msgid_plural" in e and index == 0:
                assert got <= wanted, (e["msgid"], text)  # "One record" may leave out the count
            elif text:
                assert got == wanted, (e["msgid"], text)


def test_it_ships_a_compiled_catalogue_that_matches_the_po(po_entries):
    assert MO.exists(), f"{MO.relative_to(ROOT)} is missing; run compilemessages and commit it"
    with MO.open("rb") as f:
        catalog = gettext.GNUTranslations(f)._catalog
    stale = []
    for e in po_entries:
        if "msgid_plural" in e:
            ok = all(catalog.get((e["msgid"], i)) == e["msgstr"].get(i) for i in (0, 1))
        else:
            ok = catalog.get(e["msgid"]) == e["msgstr"].get(0)
        if not ok:
            stale.append(e["msgid"])
    assert not stale, f"django.mo is out of date for {len(stale)} entries, e.g. {stale[:5]}; run compilemessages"


# --- strings in the code that never reached the catalogue --------------------------------------

TRANSLATE_TAG = re.compile(r"""\{%\s*(?:translate|trans)\s+(?:"([^"]*)"|'([^']*)')(.*?)%\}""")
BLOCK_TAG = re.compile(
    r"\{%\s*(?:blocktranslate|blocktrans)\b(.*?)%\}(.*?)\{%\s*(?:endblocktranslate|endblocktrans)\s*%\}", re.S
)
GETTEXT_FUNCS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "gettext_noop"}


def _block_msgids(options: str, body: str) -> list[str]:
    if "context" in options or "trimmed" in options:
        return []  # rare; makemessages itself is the judge for these

    def convert(part: str) -> str:
        part = part.replace("%", "%%")
        return re.sub(r"\{\{\s*(\w+)\s*\}\}", r"%(\1)s", part)

    return [convert(p) for p in re.split(r"\{%\s*plural\s*%\}", body)][:1]


def source_msgids() -> dict[str, str]:
    """Literal msgids in templates and Python code under kefu/, with one place each is used."""
    found: dict[str, str] = {}
    base = ROOT / "kefu"
    for path in base.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", "", text, flags=re.S)
        for m in TRANSLATE_TAG.finditer(text):
            if "context" not in m.group(3) and "noop" not in m.group(3):
                found.setdefault((m.group(1) if m.group(1) is not None else m.group(2)).replace("%", "%%"), str(path))
        for m in BLOCK_TAG.finditer(text):
            for msgid in _block_msgids(m.group(1), m.group(2)):
                found.setdefault(msgid, str(path))
    for path in base.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            arg = node.args[0]
            if name in GETTEXT_FUNCS and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.setdefault(arg.value, f"{path}:{node.lineno}")
    return {k: v for k, v in found.items() if k}


def test_it_has_every_marked_string_in_the_catalogue(po_entries):
    known = {e["msgid"] for e in po_entries}
    missing = {msgid: where for msgid, where in source_msgids().items() if msgid not in known}
    assert not missing, f"{len(missing)} marked strings are not in the English catalogue; {HOW_TO}:\n" + "\n".join(
        f"{msgid!r} ({Path(where).relative_to(ROOT) if where.startswith(str(ROOT)) else where})"
        for msgid, where in sorted(missing.items())
    )
