"""The ingestion pipeline end to end on the real database (django-q in sync mode)."""

import json
import os
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from bots.models import Bot
from documents import ingest
from documents.models import Chunk, Document, IngestJob
from kaiu.accounts.models import Plan
from tests.fakes.openai_server import embeddings_handler, error_response
from tests.fakes.pdf import encrypt_pdf, make_pdf, make_space_bomb

POLICY = "\n\n".join([
    "# Envíos\nEnviamos a toda Colombia. A Bogotá y Medellín el envío tarda de 1 a 2 días hábiles.",
    "# Pagos\nAceptamos tarjeta, PSE, Nequi y pago contra entrega en efectivo.",
    "# Devoluciones\nTienes 30 días para devolver un producto sin abrir.",
])


def test_every_file_type_is_processed(bot, upload):
    files = [
        ("manual.pdf", make_pdf(["Cómo diluir aceites esenciales.", "Advertencias de seguridad."])),
        ("politicas.md", POLICY.encode()),
        ("notas.txt", "Horario: lunes a viernes de 8 a 18.".encode("cp1252")),
        ("productos.csv", "sku;nombre;precio\nKAIU-LAV-010;Lavanda;38000\n".encode("latin-1")),
        ("tienda.json", json.dumps({"tienda": {"ciudad": "Medellín", "telefono": "300 000 0000"}}).encode()),
    ]
    documents, errors = upload(bot, *files)
    assert errors == []
    assert {d.name: d.status for d in documents} == {name: "PROCESSED" for name, _ in files}
    by_name = {d.name: d for d in documents}
    assert by_name["manual.pdf"].page_count == 2
    assert by_name["productos.csv"].source_type == "CSV_STRUCTURED"
    assert by_name["tienda.json"].source_type == "JSON_STRUCTURED"
    pdf_pages = sorted(c.metadata["page"] for c in Chunk.objects.filter(document=by_name["manual.pdf"]))
    assert pdf_pages[0] == 1
    for document in documents:
        assert document.chunk_count == document.chunks.count() > 0
        assert IngestJob.objects.get(document=document).outcome == "PROCESSED"
    bot.refresh_from_db()
    assert bot.status == "READY"
    assert bot.knowledge_version > 1


def test_files_are_stored_under_generated_names_inside_media_root(bot, upload):
    [document], _ = upload(bot, ("../../etc/passwd.txt", b"just text"))
    path = os.path.realpath(document.file.path)
    assert path.startswith(os.path.realpath(settings.MEDIA_ROOT) + os.sep)
    assert "passwd" not in path
    assert ".." not in document.file.name
    assert document.name == "passwd.txt"


def test_unsupported_and_empty_files_are_refused_at_upload_and_nothing_is_stored(bot, upload):
    documents, errors = upload(bot, ("foto.txt", bytes(range(256)) * 4), ("vacio.md", b""))
    assert documents == []
    assert len(errors) == 2
    assert "not a document" in errors[0]
    assert "empty" in errors[1]
    assert not Document.objects.exists()


def test_the_same_file_twice_in_one_bot_is_refused(bot, upload):
    upload(bot, ("a.md", POLICY.encode()))
    documents, errors = upload(bot, ("copia.md", POLICY.encode()))
    assert documents == []
    assert "already in this bot" in errors[0]
    assert Document.objects.count() == 1


def test_a_passage_repeated_across_documents_is_stored_once(bot, upload):
    bot.rag_config = {**bot.rag_config, "chunk_size": 100, "chunk_overlap": 0}
    bot.save()
    shared = "Todos nuestros aceites son 100% puros y certificados."
    [first], _ = upload(
        bot, ("a.txt", f"Lavanda para dormir, diez gotas en el difusor por la noche.\n\n{shared}".encode())
    )
    [second], _ = upload(
        bot, ("b.txt", f"{shared}\n\nMenta para el dolor de cabeza, siempre diluida en aceite.".encode())
    )
    texts = list(Chunk.objects.filter(bot=bot).values_list("text", flat=True))
    assert texts.count(shared) == 1
    assert (first.chunk_count, second.chunk_count, second.duplicate_chunk_count) == (2, 1, 1)
    assert second.status == "PROCESSED"


def test_deleting_a_document_reindexes_those_that_shared_its_passages(bot, upload, django_capture_on_commit_callbacks):
    from documents.services import document_delete

    bot.rag_config = {**bot.rag_config, "chunk_size": 100, "chunk_overlap": 0}
    bot.save()
    shared = "Todos nuestros aceites son 100% puros y certificados."
    [first], _ = upload(
        bot, ("a.txt", f"{shared}\n\nLavanda para dormir y relajarse, diez gotas en el difusor.".encode())
    )
    [second], _ = upload(
        bot, ("b.txt", f"{shared}\n\nMenta para refrescar el ambiente, siempre diluida en aceite.".encode())
    )
    assert second.duplicate_chunk_count == 1
    with django_capture_on_commit_callbacks(execute=True):
        document_delete(document=first)
    second.refresh_from_db()
    assert second.status == "PROCESSED"
    assert second.duplicate_chunk_count == 0
    assert Chunk.objects.filter(bot=bot, text__contains=shared).count() == 1


def test_a_failed_document_leaves_the_others_intact(bot, upload):
    [good], _ = upload(bot, ("bueno.md", POLICY.encode()))
    chunks_before = list(Chunk.objects.filter(document=good).values_list("pk", "text"))
    [bad], _ = upload(bot, ("protegido.pdf", encrypt_pdf(make_pdf(["secreto"]))))
    assert bad.status == "FAILED"
    assert "password protected" in bad.error_message
    assert list(Chunk.objects.filter(document=good).values_list("pk", "text")) == chunks_before
    good.refresh_from_db()
    bot.refresh_from_db()
    assert good.status == "PROCESSED"
    assert bot.status == "READY"


def test_a_corrupt_file_fails_with_a_message_and_is_not_retried(bot, upload, django_capture_on_commit_callbacks):
    """The same bytes would fail the same way: no retry, no re-index, no job spent on it."""
    from documents.services import DocumentError, bot_reindex, document_retry

    [document], _ = upload(bot, ("roto.pdf", make_pdf(["x" * 400])[:300]))
    assert document.status == "FAILED"
    assert "damaged" in document.error_message
    assert document.permanent_failure
    bot.refresh_from_db()
    assert bot.status == "ERROR"  # its only document failed: nothing to answer from
    with pytest.raises(DocumentError, match="would fail the same way"):
        document_retry(document=document)
    with django_capture_on_commit_callbacks(execute=True):
        assert bot_reindex(bot=bot) == 0
    assert IngestJob.objects.filter(document=document).count() == 1


def test_an_encrypted_or_scanned_pdf_is_skipped_by_reindex_and_the_others_are_not(
        bot, upload, django_capture_on_commit_callbacks):
    from documents.services import bot_reindex

    documents, _ = upload(bot, ("protegido.pdf", encrypt_pdf(make_pdf(["secreto"]))),
                          ("escaneado.pdf", make_pdf(["", ""])), ("bueno.md", POLICY.encode()))
    assert [(d.name, d.status, d.permanent_failure) for d in documents] == [
        ("protegido.pdf", "FAILED", True), ("escaneado.pdf", "FAILED", True), ("bueno.md", "PROCESSED", False)]
    with django_capture_on_commit_callbacks(execute=True):
        assert bot_reindex(bot=bot) == 1
    jobs = Counter(IngestJob.objects.values_list("document__name", flat=True))
    assert jobs == {"protegido.pdf": 1, "escaneado.pdf": 1, "bueno.md": 2}


def test_a_failure_that_may_pass_next_time_can_be_retried(byok_bot, upload, fake_openai,
                                                          django_capture_on_commit_callbacks):
    from documents.services import document_retry

    working = fake_openai.routes[("POST", "/v1/embeddings")]
    fake_openai.routes[("POST", "/v1/embeddings")] = lambda r: error_response(503, "Overloaded", "server_error")
    [document], _ = upload(byok_bot, ("a.md", POLICY.encode()))
    assert (document.status, document.permanent_failure) == ("FAILED", False)
    fake_openai.routes[("POST", "/v1/embeddings")] = working
    with django_capture_on_commit_callbacks(execute=True):
        document_retry(document=document)
    document.refresh_from_db()
    assert document.status == "PROCESSED"
    assert IngestJob.objects.filter(document=document).count() == 2


def test_a_decompression_bomb_fails_its_document_and_the_worker_goes_on(bot, upload, settings):
    """A 300 KB PDF whose page inflates to 300 MB: the reader's child hits its memory cap and
    dies alone; this process (the worker) carries on with the next file of the batch."""
    settings.INGEST_MAX_MEMORY_MB = 256
    documents, errors = upload(bot, ("bomba.pdf", make_space_bomb(300)), ("bueno.md", POLICY.encode()))
    assert errors == []
    bomb, good = documents
    assert bomb.status == "FAILED"
    assert bomb.error_message.startswith("Reading this PDF needs more than the 256 MB of memory KAIU gives one file.")
    assert bomb.permanent_failure
    assert IngestJob.objects.get(document=bomb).outcome == "FAILED"
    assert not Chunk.objects.filter(document=bomb).exists()
    assert (good.status, good.chunk_count > 0) == ("PROCESSED", True)


def test_deep_json_among_good_files_is_refused_alone(bot, upload):
    documents, errors = upload(bot, ("uno.md", POLICY.encode()), ("profundo.json", b"[" * 10_000 + b"]" * 10_000),
                               ("dos.txt", b"Horario: de 8 a 18."))
    assert [(d.name, d.status) for d in documents] == [("uno.md", "PROCESSED"), ("dos.txt", "PROCESSED")]
    assert errors == ["“profundo.json”: This JSON file nests more than 100 levels deep, deeper than KAIU reads. "
                      "Flatten its structure and upload it again."]


def test_a_document_that_never_finishes_ends_failed_after_the_attempt_limit(bot, upload, settings):
    """Each run that dies (a worker killed by a crashing parser) leaves the document
    PROCESSING; once it is stale the next delivery takes over, until the limit."""
    [document], _ = upload(bot, ("a.md", POLICY.encode()))
    Document.objects.filter(pk=document.pk).update(status="PENDING", attempts=0, chunk_count=0)
    for _attempt in range(1, settings.INGEST_MAX_ATTEMPTS + 1):
        assert ingest.claim(document.pk) is not None  # this run "crashes": nothing else happens
        Document.objects.filter(pk=document.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert ingest.claim(document.pk) is None
    document.refresh_from_db()
    assert document.status == "FAILED"
    assert "attempts" in document.error_message


def test_a_live_run_is_not_taken_over(bot, upload):
    [document], _ = upload(bot, ("a.md", POLICY.encode()))
    Document.objects.filter(pk=document.pk).update(status="PENDING")
    assert ingest.claim(document.pk) is not None
    assert ingest.claim(document.pk) is None  # heartbeat fresh: someone is on it


def test_a_superseded_run_does_not_store(bot, upload):
    [document], _ = upload(bot, ("a.md", POLICY.encode()))
    Document.objects.filter(pk=document.pk).update(status="PENDING")
    token = ingest.claim(document.pk)
    Document.objects.filter(pk=document.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert ingest.claim(document.pk) not in (None, token)  # taken over
    with pytest.raises(ingest.Superseded):
        ingest.store_chunks(document.pk, token, [], [], "m")


def test_quotas_refuse_at_upload_and_store_nothing(bot, upload):
    Plan.objects.filter(pk=bot.tenant.plan_id).update(max_documents_per_bot=1)
    upload(bot, ("a.md", POLICY.encode()))
    from kaiu.accounts.quotas import QuotaExceeded

    with pytest.raises(QuotaExceeded, match="1 documents"):
        upload(bot, ("b.md", b"otro texto"), ("c.md", b"y otro"))
    assert Document.objects.count() == 1
    Plan.objects.filter(pk=bot.tenant.plan_id).update(max_documents_per_bot=10, max_storage_mb=0)
    with pytest.raises(QuotaExceeded, match="MB of storage"):
        upload(bot, ("b.md", b"otro texto"))
    Plan.objects.filter(pk=bot.tenant.plan_id).update(max_storage_mb=10, max_ingest_jobs_per_month=1)
    with pytest.raises(QuotaExceeded, match="processing jobs a month"):
        upload(bot, ("b.md", b"otro texto"))
    assert Document.objects.count() == 1


def test_the_openai_embedder_batches_sends_dimensions_and_caches(byok_bot, upload, fake_openai, settings):
    settings.EMBED_BATCH_SIZE = 3
    byok_bot.rag_config = {**byok_bot.rag_config, "chunk_size": 120, "chunk_overlap": 0}
    byok_bot.save()
    text = "\n\n".join(f"Párrafo {i} sobre aceites esenciales y su uso seguro en casa." for i in range(8))
    [document], _ = upload(byok_bot, ("guia.txt", text.encode()))
    assert document.status == "PROCESSED"
    calls = [r for r in fake_openai.requests if r["path"] == "/v1/embeddings"]
    assert len(calls) == -(-document.chunk_count // 3)
    assert all(len(c["body"]["input"]) <= 3 and c["body"]["dimensions"] == 768 for c in calls)
    assert all(c["body"]["model"] == "text-embedding-3-small" for c in calls)
    assert set(Chunk.objects.filter(document=document).values_list("embedding_model", flat=True)) == {
        "text-embedding-3-small"}
    # Re-indexing reuses the cache: the provider is not called again.
    from documents.services import document_reindex

    document_reindex(document=document)
    ingest.process_document(document.pk)
    assert len([r for r in fake_openai.requests if r["path"] == "/v1/embeddings"]) == len(calls)


def test_the_openai_embedder_retries_a_429_then_succeeds(byok_bot, upload, fake_openai):
    answers = iter([error_response(429, "Rate limit reached", "requests", "rate_limit_exceeded")])
    real = embeddings_handler()
    fake_openai.routes[("POST", "/v1/embeddings")] = lambda r: next(answers, None) or real(r)
    [document], _ = upload(byok_bot, ("a.md", POLICY.encode()))
    assert document.status == "PROCESSED"
    assert [r["path"] for r in fake_openai.requests].count("/v1/embeddings") == 2


def test_a_rejected_key_fails_the_document_with_a_clear_message(byok_bot, upload, fake_openai):
    fake_openai.routes[("POST", "/v1/embeddings")] = lambda r: error_response(401, "Incorrect API key provided")
    [document], _ = upload(byok_bot, ("a.md", POLICY.encode()))
    assert document.status == "FAILED"
    assert "rejected the API key (401)" in document.error_message


def test_vectors_of_the_wrong_size_fail_the_document(byok_bot, upload, fake_openai):
    fake_openai.routes[("POST", "/v1/embeddings")] = embeddings_handler(wrong_dimensions=True)
    [document], _ = upload(byok_bot, ("a.md", POLICY.encode()))
    assert document.status == "FAILED"
    assert "769 dimensions" in document.error_message
    assert "768" in document.error_message
    assert not Chunk.objects.filter(document=document).exists()


def test_progress_is_recorded(bot, upload):
    [document], _ = upload(bot, ("a.md", POLICY.encode()))
    assert document.progress_total == document.progress_done > 0


def test_deleting_a_document_removes_its_chunks_and_file(bot, upload, django_capture_on_commit_callbacks):
    from documents.services import document_delete

    [document], _ = upload(bot, ("a.md", POLICY.encode()))
    path = document.file.path
    assert os.path.exists(path)
    version = Bot.objects.get(pk=bot.pk).knowledge_version
    with django_capture_on_commit_callbacks(execute=True):
        document_delete(document=document)
    assert not Chunk.objects.filter(bot=bot).exists()
    assert not os.path.exists(path)
    assert Bot.objects.get(pk=bot.pk).knowledge_version == version + 1


def test_each_bot_keeps_its_chunks_in_its_own_partition(bot, other_bot, upload, django_capture_on_commit_callbacks):
    from django.db import connection

    from bots.services import bot_delete
    from documents.partitions import chunk_partition_exists

    [document], _ = upload(bot, ("a.md", POLICY.encode()))
    upload(other_bot, ("b.md", "Otra tienda, otros envíos.".encode()))
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text, count(*) FROM documents_chunk GROUP BY 1 ORDER BY 1")
        partitions = dict(cursor.fetchall())
    assert partitions == {
        "documents_chunk_" + bot.pk.hex: document.chunk_count,
        "documents_chunk_" + other_bot.pk.hex: Chunk.objects.filter(bot=other_bot).count(),
    }
    path = document.file.path
    with django_capture_on_commit_callbacks(execute=True):
        bot_delete(bot=bot)
    assert not chunk_partition_exists(bot.pk)
    assert not os.path.exists(path)
    assert chunk_partition_exists(other_bot.pk)
    assert Chunk.objects.filter(bot=other_bot).exists()


def test_the_recovery_sweep_requeues_only_runs_that_died(bot, upload, monkeypatch):
    from django_q.conf import Conf
    from django_q.models import OrmQ

    from documents.services import recover_stalled_documents

    [dead], _ = upload(bot, ("a.md", POLICY.encode()))
    [waiting], _ = upload(bot, ("b.md", b"Otro documento en la cola."))
    [lost], _ = upload(bot, ("d.md", "Un documento cuya tarea se perdió.".encode()))
    [_done], _ = upload(bot, ("c.md", b"Un documento terminado."))
    Document.objects.filter(pk=dead.pk).update(
        status="PROCESSING", heartbeat_at=timezone.now() - timedelta(seconds=settings.INGEST_STALE_SECONDS + 1))
    Document.objects.filter(pk=waiting.pk).update(status="PENDING", updated_at=timezone.now())
    Document.objects.filter(pk=lost.pk).update(status="PENDING", updated_at=timezone.now() - timedelta(hours=2))
    monkeypatch.setattr(Conf, "SYNC", False)  # queue the task instead of running it here
    queued_before = OrmQ.objects.count()
    assert recover_stalled_documents() == 2  # the dead run and the lost task; not the one waiting, not the done one
    assert OrmQ.objects.count() == queued_before + 2
    # Swept every minute: a lost task is queued again only after another hour, a dead run each time.
    assert recover_stalled_documents() == 1
    ingest.process_document(dead.pk)
    dead.refresh_from_db()
    assert dead.status == "PROCESSED"
    assert dead.attempts == 2


def test_a_takeover_of_a_dead_run_keeps_the_job_status_true(bot, django_capture_on_commit_callbacks, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django_q.conf import Conf

    from documents.services import document_upload, recover_stalled_documents

    monkeypatch.setattr(Conf, "SYNC", False)  # the upload's task waits in the queue
    with django_capture_on_commit_callbacks(execute=True):
        [document], _ = document_upload(bot=bot, files=[SimpleUploadedFile("a.md", POLICY.encode())])
    job = IngestJob.objects.get(document=document)
    assert job.outcome == "QUEUED"
    assert ingest.claim(document.pk) is not None  # the worker starts, then dies
    job.refresh_from_db()
    assert job.outcome == "RUNNING"
    Document.objects.filter(pk=document.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=1))
    assert recover_stalled_documents() == 1
    assert ingest.process_document(document.pk).outcome == "processed"  # the task the sweep queued
    job.refresh_from_db()
    assert job.outcome == "PROCESSED"
    assert job.finished_at is not None
    finished_at = job.finished_at
    assert ingest.process_document(document.pk).outcome == "skipped"  # the dead run's task, handed out again
    job.refresh_from_db()
    assert (job.outcome, job.finished_at) == ("PROCESSED", finished_at)


def test_a_document_given_up_after_its_attempts_fails_its_job(bot, django_capture_on_commit_callbacks, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django_q.conf import Conf

    from documents.services import document_upload

    monkeypatch.setattr(Conf, "SYNC", False)
    with django_capture_on_commit_callbacks(execute=True):
        [document], _ = document_upload(bot=bot, files=[SimpleUploadedFile("a.md", POLICY.encode())])
    Document.objects.filter(pk=document.pk).update(attempts=settings.INGEST_MAX_ATTEMPTS)
    assert ingest.claim(document.pk) is None
    assert IngestJob.objects.get(document=document).outcome == "FAILED"


def test_deleting_a_document_waiting_to_be_processed_cancels_its_job(bot, django_capture_on_commit_callbacks,
                                                                      monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django_q.conf import Conf

    from documents.services import document_delete, document_upload

    monkeypatch.setattr(Conf, "SYNC", False)
    with django_capture_on_commit_callbacks(execute=True):
        [document], _ = document_upload(bot=bot, files=[SimpleUploadedFile("a.md", POLICY.encode())])
    document_delete(document=document)
    job = IngestJob.objects.get()
    assert (job.document_id, job.outcome) == (None, "CANCELLED")
    assert job.finished_at is not None


def test_the_recovery_sweep_runs_every_minute_also_where_it_ran_every_five(db):
    from django_q.models import Schedule

    from documents.apps import _schedule_recovery

    Schedule.objects.update_or_create(func="documents.tasks.recover_stalled_documents",
                                      defaults={"schedule_type": Schedule.MINUTES, "minutes": 5})
    _schedule_recovery()
    assert Schedule.objects.get(func="documents.tasks.recover_stalled_documents").minutes == 1


def test_a_passage_is_found_by_the_heading_it_sits_under(bot, upload):
    """The second passage of a section does not repeat its title; its search terms and its
    vector hold the title all the same."""
    from documents.search import retrieve

    bot.rag_config = {**bot.rag_config, "chunk_size": 200, "chunk_overlap": 0}
    bot.save()
    body = " ".join(f"Paso {n}: abre el panel y revisa la pieza número {n}." for n in range(12))
    upload(bot, ("manual.md", f"# Mantenimiento del compresor\n\n{body}".encode()))
    deep = Chunk.objects.filter(bot=bot).order_by("index").last()
    assert "compresor" not in deep.text.lower()
    assert deep.metadata["heading"] == "Mantenimiento del compresor"
    hits = retrieve(bot, "compresor", mode="keyword", k=50, record=False).hits
    assert deep.pk in {hit.chunk_id for hit in hits}
