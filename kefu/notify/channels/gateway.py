"""An HTTP message gateway (the SMS provider or the WeChat template-message relay): one JSON POST per
message, with the delivery's idempotency key in an `Idempotency-Key` header. The gateway contract (the
local test gateway follows it, kefu/notify/tests/gateway.py): 2xx with {"id": ...} means accepted; a repeat
of a key already accepted answers 2xx with the first id and sends nothing; 4xx (not 408/429) means the
request will never be accepted; 5xx, 408, 429 and network errors mean try again later."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from . import PermanentError, TemporaryError

RETRYABLE_STATUS = {408, 425, 429}


def post(url: str, token: str, key: str, payload: dict[str, Any], timeout: float = 10.0) -> str:
    data = json.dumps(payload, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": key}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310 (configured URL)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:200].decode(errors="replace")
        if exc.code >= 500 or exc.code in RETRYABLE_STATUS:
            raise TemporaryError(f"网关暂时不可用：HTTP {exc.code} {detail}") from exc
        raise PermanentError(f"网关拒绝：HTTP {exc.code} {detail}") from exc
    except (TimeoutError, urllib.error.URLError, OSError) as exc:
        raise TemporaryError(f"无法连接网关：{exc!r}") from exc
    try:
        return str(json.loads(body or b"{}").get("id", ""))
    except (ValueError, AttributeError):
        return ""
