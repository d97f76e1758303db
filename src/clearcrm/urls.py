from django.contrib import admin
from django.urls import include, path

from clearcrm.worker.views import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
    path("", include("clearcrm.web.urls")),
]
