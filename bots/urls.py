from django.urls import path

from bots import views

app_name = "bots"

urlpatterns = [
    path("", views.bot_list, name="bot-list"),
    path("new/", views.bot_create, name="bot-create"),
    path("<slug:public_id>/", views.bot_detail, name="bot-detail"),
    path("<slug:public_id>/edit/", views.bot_edit, name="bot-edit"),
    path("<slug:public_id>/delete/", views.bot_delete, name="bot-delete"),
    path("<slug:public_id>/widget/", views.widget_edit, name="widget-edit"),
    path("<slug:public_id>/settings/", views.bot_settings, name="bot-settings"),
    path("<slug:public_id>/prompts/", views.prompt_list, name="prompt-list"),
    path("<slug:public_id>/prompts/<uuid:prompt_id>/", views.prompt_detail, name="prompt-detail"),
    path("<slug:public_id>/prompts/<uuid:prompt_id>/activate/", views.prompt_activate, name="prompt-activate"),
]
