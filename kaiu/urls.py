from django.contrib import admin
from django.shortcuts import redirect
from django.urls import include, path

from kaiu.health import healthz

admin.site.site_header = "KAIU platform administration"
admin.site.site_title = "KAIU admin"

urlpatterns = [
    path("", lambda request: redirect("accounts:overview"), name="home"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("kaiu.accounts.urls")),
    path("app/bots/", include("bots.urls")),
    path("app/", include("documents.urls")),
    path("", include("chat.urls")),
]
