import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
application = get_wsgi_application()

# Load jieba's dictionary while the web process starts, not on the first search (about 0.8 s).
from kefu.tickets.search import warm_up  # noqa: E402

warm_up()
