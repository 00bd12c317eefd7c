from django.urls import path

from documents import views

app_name = "documents"

urlpatterns = [
    path("knowledge/", views.knowledge, name="knowledge"),
    path("bots/<slug:public_id>/knowledge/", views.document_list, name="document-list"),
    path("bots/<slug:public_id>/knowledge/rows/", views.document_rows, name="document-rows"),
    path("bots/<slug:public_id>/knowledge/upload/", views.document_upload, name="document-upload"),
    path("bots/<slug:public_id>/knowledge/text/", views.document_add_text, name="document-add-text"),
    path("bots/<slug:public_id>/knowledge/test/", views.retrieval_test, name="retrieval-test"),
    path("bots/<slug:public_id>/knowledge/reindex/", views.bot_reindex, name="bot-reindex"),
    path("documents/<uuid:document_id>/", views.document_detail, name="document-detail"),
    path("documents/<uuid:document_id>/retry/", views.document_retry, name="document-retry"),
    path("documents/<uuid:document_id>/delete/", views.document_delete, name="document-delete"),
    path("chunks/<int:chunk_id>/edit/", views.chunk_edit, name="chunk-edit"),
    path("chunks/<int:chunk_id>/toggle/", views.chunk_toggle, name="chunk-toggle"),
]
