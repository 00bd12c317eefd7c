from django.urls import path

from chat import analytics_views, api, dashboard, inbox, views
from chat.whatsapp import views as whatsapp_views
from chat.whatsapp import webhook as whatsapp_webhook

app_name = "chat"

# Mounted at / (kaiu/urls.py): the public channels and the chat pages of the dashboard.
urlpatterns = [
    path("c/<slug:public_id>/", views.public_page, name="public-page"),
    path("c/<slug:public_id>/frame/", views.widget_frame, name="widget-frame"),
    path("c/<slug:public_id>/messages/", views.public_messages, name="public-messages"),
    path("c/<slug:public_id>/history/", views.public_history, name="public-history"),
    path("c/<slug:public_id>/feedback/", views.public_feedback, name="public-feedback"),
    path("c/<slug:public_id>/products/<uuid:product_id>/image", views.public_product_image,
         name="public-product-image"),
    path("widget/<slug:public_id>.js", views.widget_script, name="widget-script"),
    path("api/v1/chat/completions", api.chat_completions, name="api-chat-completions"),
    path("api/v1/models", api.model_list, name="api-model-list"),
    path("api/v1/models/<str:model>", api.model_detail, name="api-model-detail"),
    path("api/v1/conversations", api.conversation_list, name="api-conversation-list"),
    # str: an id that is no UUID is "No such conversation" in the API's shape, as an unknown one is
    path("api/v1/conversations/<str:conversation_id>", api.conversation_detail, name="api-conversation-detail"),
    path("api/v1/feedback", api.feedback, name="api-feedback"),
    path("api/v1/analytics", analytics_views.api_analytics, name="api-analytics"),
    path("app/conversations/", dashboard.conversation_list, name="conversation-list"),
    path("app/conversations/export.csv", analytics_views.conversations_export, name="conversation-export"),
    path("app/analytics/", analytics_views.analytics_tenant, name="analytics"),
    path("app/analytics/bots/<slug:public_id>/", analytics_views.analytics_bot, name="analytics-bot"),
    path("app/analytics/gaps/", analytics_views.gap_list, name="gaps"),
    path("app/analytics/gaps/fix/", analytics_views.gap_fix, name="gap-fix"),
    path("app/analytics/prices/", analytics_views.price_list, name="analytics-prices"),
    path("app/analytics/questions.csv", analytics_views.questions_export, name="questions-export"),
    path("app/conversations/<uuid:conversation_id>/", dashboard.conversation_detail, name="conversation-detail"),
    path("app/conversations/<uuid:conversation_id>/messages/<uuid:message_id>/improve/", dashboard.message_improve,
         name="message-improve"),
    path("app/inbox/", inbox.inbox, name="inbox"),
    path("app/inbox/count/", inbox.inbox_count, name="inbox-count"),
    path("app/inbox/<uuid:conversation_id>/", inbox.inbox_conversation, name="inbox-conversation"),
    path("app/inbox/<uuid:conversation_id>/claim/", inbox.inbox_claim, name="inbox-claim"),
    path("app/inbox/<uuid:conversation_id>/reply/", inbox.inbox_reply, name="inbox-reply"),
    path("app/inbox/<uuid:conversation_id>/note/", inbox.inbox_note, name="inbox-note"),
    path("app/inbox/<uuid:conversation_id>/template/", inbox.inbox_template, name="inbox-template"),
    path("app/inbox/<uuid:conversation_id>/resolve/", inbox.inbox_resolve, name="inbox-resolve"),
    path("app/inbox/<uuid:conversation_id>/messages/<uuid:message_id>/curate/", inbox.inbox_curate,
         name="inbox-curate"),
    path("app/answers/", dashboard.curated_list, name="curated-list"),
    path("app/answers/new/", dashboard.curated_create, name="curated-create"),
    path("app/answers/<uuid:answer_id>/", dashboard.curated_edit, name="curated-edit"),
    path("app/answers/<uuid:answer_id>/delete/", dashboard.curated_delete, name="curated-delete"),
    path("whatsapp/<slug:public_id>/webhook", whatsapp_webhook.webhook, name="whatsapp-webhook"),
    path("app/whatsapp/<slug:public_id>/", whatsapp_views.whatsapp_settings, name="whatsapp-settings"),
    path("app/playground/<slug:public_id>/", views.playground, name="playground"),
    path("app/playground/<slug:public_id>/messages/", views.playground_messages, name="playground-messages"),
    path("app/playground/<slug:public_id>/history/", views.playground_history, name="playground-history"),
    path("app/playground/<slug:public_id>/feedback/", views.playground_feedback, name="playground-feedback"),
]
