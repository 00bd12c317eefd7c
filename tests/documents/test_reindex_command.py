from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from documents.models import Chunk


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
    assert document.status == "PROCESSED" and document.chunk_count == len(before)
    assert sorted(Chunk.objects.filter(document=document).values_list("index", "sha256")) == before


def test_reindex_picks_up_new_chunk_settings(bot, add_text):
    document = add_text(bot, "Guía", "\n\n".join(f"Párrafo {i} sobre aceites y su uso diario." for i in range(30)))
    before = document.chunk_count
    bot.rag_config = {**bot.rag_config, "chunk_size": 100, "chunk_overlap": 0}
    bot.save()
    run("--tenant", bot.tenant.slug, "--sync")
    document.refresh_from_db()
    assert document.chunk_count > before


def test_reindex_can_rebuild_the_vector_index(bot, add_text):
    add_text(bot, "Guía", "Texto corto.")
    run("--all", "--sync", "--rebuild-index")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'chunk_embedding_hnsw'")
        assert "hnsw" in cursor.fetchone()[0]


def test_reindex_without_sync_queues_the_documents(bot, add_text):
    document = add_text(bot, "Guía", "Texto corto.")
    run("--bot", bot.public_id)
    document.refresh_from_db()
    assert document.status == "PENDING" and document.jobs.count() == 2


def test_reindex_refuses_unknown_scopes(db):
    with pytest.raises(CommandError, match="No documents match"):
        run("--bot", "nope")
