"""django-q2 entry points. Tasks take ids and call the pipeline; nothing else lives here."""

from documents import ingest, services


def ingest_document(document_id, job_id=None):
    # job_id: tasks queued before jobs followed their document carry one; the run needs none.
    return ingest.process_document(document_id).outcome


def recover_stalled_documents():
    return services.recover_stalled_documents()
