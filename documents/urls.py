from django.urls import path

from documents import views

app_name = "documents"

# Mounted at /app/knowledge/ (kaiu/urls.py).
urlpatterns = [
    path("", views.knowledge, name="knowledge"),
    path("documents/<uuid:document_id>/", views.document_detail, name="document-detail"),
    path("documents/<uuid:document_id>/retry/", views.document_retry, name="document-retry"),
    path("documents/<uuid:document_id>/delete/", views.document_delete, name="document-delete"),
    path("chunks/<int:chunk_id>/edit/", views.chunk_edit, name="chunk-edit"),
    path("chunks/<int:chunk_id>/toggle/", views.chunk_toggle, name="chunk-toggle"),
    path("<slug:public_id>/", views.document_list, name="document-list"),
    path("<slug:public_id>/rows/", views.document_rows, name="document-rows"),
    path("<slug:public_id>/upload/", views.document_upload, name="document-upload"),
    path("<slug:public_id>/text/", views.document_add_text, name="document-add-text"),
    path("<slug:public_id>/test/", views.retrieval_test, name="retrieval-test"),
    path("<slug:public_id>/reindex/", views.bot_reindex, name="bot-reindex"),
]
