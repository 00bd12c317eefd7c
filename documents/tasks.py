"""django-q2 entry points. Tasks take ids and call the pipeline; nothing else lives here."""

from documents import ingest, services


def ingest_document(document_id, job_id=None):
    return ingest.ingest_document(document_id, job_id).outcome


def recover_stalled_documents():
    return services.recover_stalled_documents()
