"""The committed OpenAPI file is the schema the server serves, and the schema generates without warnings."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command


def test_it_keeps_docs_openapi_yaml_current(tmp_path, db):
    out = tmp_path / "openapi.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--lang", "zh-hans", "--file", str(out))
    committed = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"
    assert out.read_text() == committed.read_text(), (
        "docs/openapi.yaml is stale: run manage.py spectacular --validate --fail-on-warn --lang zh-hans --file docs/openapi.yaml"
    )
