from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from documents.models import Chunk
from tests.fakes.pdf import encrypt_pdf, make_pdf


def run(*args):
    out = StringIO()
    call_command("reindex", *args, stdout=out)
    return out.getvalue()


def test_reindex_sync_keeps_counts_and_chunks(bot, add_text):
    document = add_text(bot, "Guía", "\n\n".join(f"Párrafo {i} sobre aceites y su uso." for i in range(30)))
    before = sorted(Chunk.objects.filter(document=document).values_list("index", "sha256"))
    output = run("--bot", bot.public_id, "--sync")
    document.refresh_from_db()
    assert "Re-indexed 1 documents" in output
    assert document.status == "PROCESSED"
    assert document.chunk_count == len(before)
    assert sorted(Chunk.objects.filter(document=document).values_list("index", "sha256")) == before


def test_reindex_picks_up_new_chunk_settings(bot, add_text):
    document = add_text(bot, "Guía", "\n\n".join(f"Párrafo {i} sobre aceites y su uso diario." for i in range(30)))
    before = document.chunk_count
    bot.rag_config = {**bot.rag_config, "chunk_size": 100, "chunk_overlap": 0}
    bot.save()
    run("--tenant", bot.tenant.slug, "--sync")
    document.refresh_from_db()
    assert document.chunk_count > before


def test_reindex_can_rebuild_the_vector_index(bot, other_bot, add_text):
    add_text(bot, "Guía", "Texto corto.")
    add_text(other_bot, "Otra", "Otro texto.")
    run("--all", "--sync", "--rebuild-index")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'chunk_embedding_hnsw'")
        assert "hnsw" in cursor.fetchone()[0]
        # The parent index is whole again: every bot's partition has its graph attached.
        cursor.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = 'chunk_embedding_hnsw'::regclass")
        assert cursor.fetchone()[0] is True
        cursor.execute("SELECT (SELECT count(*) FROM pg_inherits WHERE inhparent = 'chunk_embedding_hnsw'::regclass), "
                       "(SELECT count(*) FROM pg_inherits WHERE inhparent = 'documents_chunk'::regclass)")
        graphs, partitions = cursor.fetchone()
        assert graphs == partitions >= 2


def test_reindex_without_sync_queues_the_documents(bot, add_text):
    document = add_text(bot, "Guía", "Texto corto.")
    run("--bot", bot.public_id)
    document.refresh_from_db()
    assert document.status == "PENDING"
    assert document.jobs.count() == 2


def test_reindex_skips_a_file_that_failed_for_good(bot, add_text, upload):
    """An encrypted PDF would fail again, and each queued run counts as a job of the tenant's plan."""
    document = add_text(bot, "Guía", "Texto corto.")
    [locked], _ = upload(bot, ("protegido.pdf", encrypt_pdf(make_pdf(["secreto"]))))
    output = run("--bot", bot.public_id)
    assert "Queued 1 documents" in output
    assert (document.jobs.count(), locked.jobs.count()) == (2, 1)


def test_reindex_refuses_unknown_scopes(db):
    with pytest.raises(CommandError, match="No documents match"):
        run("--bot", "nope")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reindex_with_two_workers_processes_every_document(tenant, owner, django_capture_on_commit_callbacks):
    from bots.services import bot_create
    from documents.services import document_add_text
    from kaiu.accounts.models import Plan

    Plan.objects.filter(pk=tenant.plan_id).update(max_bots=5)
    bots = [bot_create(tenant=type(tenant).objects.get(pk=tenant.pk), template=None, name=f"B{i}") for i in range(2)]
    documents = []
    for number, bot in enumerate(bots):
        for i in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                documents.append(
                    document_add_text(bot=bot, title=f"D{number}{i}", text=f"Texto {number} {i} de prueba.")
                )
    output = run("--tenant", tenant.slug, "--sync", "--workers", "2", "--rebuild-index")
    assert "Re-indexed 4 documents" in output
    for document in documents:
        document.refresh_from_db()
        assert document.status == "PROCESSED"
        assert document.chunk_count == 1
    with connection.cursor() as cursor:  # every partition's graph was built (in parallel) and attached
        cursor.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = 'chunk_embedding_hnsw'::regclass")
        assert cursor.fetchone()[0] is True
        cursor.execute("SELECT (SELECT count(*) FROM pg_inherits WHERE inhparent = 'chunk_embedding_hnsw'::regclass), "
                       "(SELECT count(*) FROM pg_inherits WHERE inhparent = 'documents_chunk'::regclass)")
        graphs, partitions = cursor.fetchone()
        assert graphs == partitions >= 2
