"""The WSGI application, ready to serve when this module has been imported.

Everything every request needs is loaded here rather than by the first requests: the URLconf (and with it
every view, form and serializer module) and the segmentation dictionary of search and intake (about 0.8 s).
Then gc.freeze() moves these long-lived objects out of the garbage collector's sight, so that its full
collections do not walk them again and again; and, where gunicorn loads the application once in its master
before forking the workers (preload_app, deploy/gunicorn.conf.py), so that the workers' collections do not
write to the pages they share with the master (copy-on-write would make each worker's copy private).
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    from django.urls import get_resolver

    from kefu.tickets.search import warm_up

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf and every view module
    warm_up()
    gc.collect()
    gc.freeze()


_warm_up()
