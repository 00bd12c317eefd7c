from django.contrib import admin
from django.shortcuts import redirect
from django.urls import include, path

from kaiu.accounts.views import admin_login
from kaiu.platform.health import healthz

admin.site.site_header = "KAIU platform administration"
admin.site.site_title = "KAIU admin"

# Each app serves its own prefixes and no other app serves paths below them:
#   chat        /c/, /widget/, /api/v1/, /whatsapp/, /app/conversations/, /app/answers/, /app/playground/,
#               /app/inbox/, /app/whatsapp/, /app/analytics/
#   accounts    /accounts/, /app/ (the overview), /app/switch/, /app/leave/, /app/settings/
#   bots        /app/bots/
#   documents   /app/knowledge/
#   commerce    /app/shop/, /shop/images/
urlpatterns = [
    path("", include("chat.urls")),  # first: its public endpoints take most of the traffic
    path("", lambda request: redirect("accounts:overview"), name="home"),
    path("healthz", healthz, name="healthz"),
    path("admin/login/", admin_login, name="admin-login"),  # the admin's own view, rate limited
    path("admin/", admin.site.urls),
    path("", include("kaiu.accounts.urls")),
    path("app/bots/", include("bots.urls")),
    path("app/knowledge/", include("documents.urls")),
    path("", include("commerce.urls")),
]
