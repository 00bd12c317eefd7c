"""A real django-q2 worker (qcluster) killed with SIGKILL in the middle of a document."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_q.conf import Conf

from documents.models import Chunk, Document
from documents.services import document_upload
from tests.fakes.openai_server import embeddings_handler

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def start_worker(fake_openai):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kaiu.settings",
        "KAIU_IGNORE_DOTENV": "true",
        "DEBUG": "true",
        "DATABASE_URL": f"postgres://{db['USER']}@{quote(db['HOST'], safe='')}:{db['PORT'] or 5432}/{db['NAME']}",
        "ALLOW_PRIVATE_PROVIDER_HOSTS": "true",
        # Short limits so redelivery happens within the test: django-q hands an unacknowledged
        # task out again after WORKER_TASK_RETRY seconds.
        "WORKER_PROCESSES": "1", "WORKER_TASK_TIMEOUT": "8", "WORKER_TASK_RETRY": "10",
        "INGEST_MAX_SECONDS": "7", "INGEST_STALE_SECONDS": "2", "EMBED_BATCH_SIZE": "2",
    }
    from django.conf import settings

    env["MEDIA_ROOT"] = str(settings.MEDIA_ROOT)
    return subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill(process):
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def test_a_worker_killed_mid_document_leaves_it_processed_once_after_restart(byok_bot, fake_openai, monkeypatch):
    fake_openai.routes[("POST", "/v1/embeddings")] = embeddings_handler(delay=0.25)
    byok_bot.rag_config = {**byok_bot.rag_config, "chunk_size": 120, "chunk_overlap": 0}
    byok_bot.save()
    text = "\n\n".join(f"Párrafo {i}: cómo usar el aceite número {i} con cuidado y diluido." for i in range(24))
    monkeypatch.setattr(Conf, "SYNC", False)  # queue for the real worker instead of running here
    [document], errors = document_upload(bot=byok_bot, files=[SimpleUploadedFile("guia.txt", text.encode())])
    assert errors == []

    worker = start_worker(fake_openai)
    try:
        wait_for(lambda: Document.objects.get(pk=document.pk).progress_done >= 4, 60, "progress mid-document")
    finally:
        kill(worker)
    document.refresh_from_db()
    assert document.status == "PROCESSING"
    assert document.progress_done < document.progress_total
    assert not Chunk.objects.filter(document=document).exists()  # nothing half-stored

    worker = start_worker(fake_openai)
    try:
        wait_for(lambda: Document.objects.get(pk=document.pk).status == "PROCESSED", 90, "the restarted worker")
    finally:
        kill(worker)
    document.refresh_from_db()
    chunks = list(Chunk.objects.filter(document=document).values_list("index", "sha256"))
    assert document.chunk_count == len(chunks) == 24
    assert len({index for index, _ in chunks}) == len({sha for _, sha in chunks}) == 24  # no duplicates
    assert document.attempts == 2
