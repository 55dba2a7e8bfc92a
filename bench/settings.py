"""Kefu's settings for the application benchmark (bench/run_app.py): the same, plus

- ROOT_URLCONF = "bench.urls": Kefu's URLs and /bench/noop/ (a plain view: the floor);
- a first middleware that counts the SQL statements of each request and the time spent executing them, and
  answers them in the headers ``X-Bench-Queries`` and ``X-Bench-SQL-ms`` (a connection execute wrapper: a
  function call and a clock reading per statement; on SQLite the rows are read after execute(), so the
  time is a lower bound there).

    DJANGO_SETTINGS_MODULE=bench.settings .venv/bin/python -m gunicorn kefu.wsgi:application
"""

import time
from collections.abc import Callable
from typing import Any

from kefu.settings import *  # noqa: F403
from kefu.settings import MIDDLEWARE as _KEFU_MIDDLEWARE

ROOT_URLCONF = "bench.urls"


class QueryCountMiddleware:
    """Adds ``X-Bench-Queries: <n>`` and ``X-Bench-SQL-ms: <ms>`` to every answer (the SQL statements the
    request ran on "default", and their execution time)."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        from django.db import connection

        n = 0
        spent = 0.0

        def count(execute: Callable[..., Any], sql: Any, params: Any, many: Any, context: Any) -> Any:
            nonlocal n, spent
            n += 1
            t = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent += time.perf_counter() - t

        with connection.execute_wrapper(count):
            response = self.get_response(request)
        response["X-Bench-Queries"] = str(n)
        response["X-Bench-SQL-ms"] = f"{spent * 1000:.1f}"
        return response


MIDDLEWARE = ["bench.settings.QueryCountMiddleware", *_KEFU_MIDDLEWARE]
