"""/api/v1/: every app's API routes in one router."""

from rest_framework.routers import DefaultRouter

from kefu.customers import api as customers_api
from kefu.notify import api as notify_api
from kefu.org import api as org_api
from kefu.tickets import api as tickets_api

router = DefaultRouter()
org_api.register(router)
customers_api.register(router)
tickets_api.register(router)
notify_api.register(router)

urlpatterns = router.urls
