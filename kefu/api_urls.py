"""/api/v1/: every app's API routes in one router."""

from rest_framework.routers import DefaultRouter

from kefu.catalog import api as catalog_api
from kefu.customers import api as customers_api
from kefu.kb import api as kb_api
from kefu.notices import api as notices_api
from kefu.notify import api as notify_api
from kefu.org import api as org_api
from kefu.portal import api as portal_api
from kefu.surveys import api as surveys_api
from kefu.tickets import api as tickets_api
from kefu.visits import api as visits_api

router = DefaultRouter()
org_api.register(router)
customers_api.register(router)
tickets_api.register(router)
notify_api.register(router)
visits_api.register(router)
surveys_api.register(router)
portal_api.register(router)
kb_api.register(router)
notices_api.register(router)
catalog_api.register(router)

urlpatterns = router.urls
