from django.contrib.auth import views as auth_views
from django.urls import path

from kaiu.accounts import dashboard, views

app_name = "accounts"

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/password-reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("accounts/password-reset/sent/",
         auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
         name="password-reset-done"),
    path("accounts/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(),
         name="password-reset-confirm"),
    path("accounts/reset/done/",
         auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
         name="password-reset-complete"),
    path("accounts/invite/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("accounts/new-business/", views.tenant_create, name="tenant-create"),
    path("app/", dashboard.overview, name="overview"),
    path("app/switch/", views.tenant_switch, name="tenant-switch"),
    path("app/leave/", dashboard.leave, name="leave"),
    path("app/settings/", dashboard.settings_general, name="settings"),
    path("app/settings/hours/", dashboard.business_hours, name="business-hours"),
    path("app/settings/provider/", dashboard.llm_update, name="llm-update"),
    path("app/settings/provider/delete-key/", dashboard.llm_key_delete, name="llm-key-delete"),
    path("app/settings/provider/test/", dashboard.llm_test, name="llm-test"),
    path("app/settings/members/", dashboard.members, name="members"),
    path("app/settings/members/<uuid:member_id>/remove/", dashboard.member_remove, name="member-remove"),
    path("app/settings/members/<uuid:member_id>/role/", dashboard.member_change_role, name="member-role"),
    path("app/settings/invitations/<uuid:invitation_id>/revoke/", dashboard.invitation_revoke,
         name="invitation-revoke"),
    path("app/settings/invitations/<uuid:invitation_id>/resend/", dashboard.invitation_resend,
         name="invitation-resend"),
    path("app/settings/api-keys/", dashboard.api_keys, name="api-keys"),
    path("app/settings/api-keys/<uuid:key_id>/revoke/", dashboard.api_key_revoke, name="api-key-revoke"),
]
