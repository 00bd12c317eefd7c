"""A real django-q2 worker (qcluster) killed with SIGKILL in the middle of a document."""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_q.conf import Conf

from documents.models import Chunk, Document, IngestJob
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
        # Redelivery (django-q hands an unacknowledged task out again after WORKER_TASK_RETRY
        # seconds) comes too late here to be what rescues the document.
        "WORKER_PROCESSES": "1", "WORKER_TASK_TIMEOUT": "8", "WORKER_TASK_RETRY": "60",
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


def pid_connected_to(port: int, session: int) -> int | None:
    """The process of `session` holding a TCP connection to 127.0.0.1:`port` (read from /proc)."""
    rows = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
    sockets = {f"socket:[{row[9]}]" for row in rows if int(row[2].rsplit(":", 1)[1], 16) == port}
    for process in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):  # processes come and go while we look
            if os.getsid(int(process.name)) == session and \
                    any(os.readlink(fd) in sockets for fd in (process / "fd").iterdir()):
                return int(process.name)
    return None


def test_a_worker_killed_mid_document_is_taken_over_soon_and_processes_it_once(byok_bot, fake_openai, monkeypatch):
    """The cluster replaces a worker killed with SIGKILL at once; the replacement takes the
    dead run over once its heartbeat is INGEST_STALE_SECONDS (2 s here) old, not at the next
    5-minute sweep nor when django-q hands the task out again (WORKER_TASK_RETRY, 60 s here)."""
    embed, held, release, calls = embeddings_handler(delay=0.05), threading.Event(), threading.Event(), []

    def embed_holding_the_third_batch(request):
        calls.append(request)
        if len(calls) == 3:
            held.set()  # the worker waits on this answer: the moment to kill it
            release.wait(30)
        return embed(request)

    fake_openai.routes[("POST", "/v1/embeddings")] = embed_holding_the_third_batch
    byok_bot.rag_config = {**byok_bot.rag_config, "chunk_size": 120, "chunk_overlap": 0}
    byok_bot.save()
    text = "\n\n".join(f"Párrafo {i}: cómo usar el aceite número {i} con cuidado y diluido." for i in range(24))
    monkeypatch.setattr(Conf, "SYNC", False)  # queue for the real worker instead of running here
    [document], errors = document_upload(bot=byok_bot, files=[SimpleUploadedFile("guia.txt", text.encode())])
    assert errors == []

    cluster = start_worker(fake_openai)
    try:
        assert held.wait(60), "the worker never reached the third batch"
        worker = pid_connected_to(fake_openai.httpd.server_address[1], session=cluster.pid)
        assert worker not in (None, cluster.pid)
        os.kill(worker, signal.SIGKILL)
        killed_at = time.monotonic()
        release.set()
        document.refresh_from_db()
        assert (document.status, document.progress_done, document.progress_total) == ("PROCESSING", 4, 24)
        assert IngestJob.objects.get(document=document).outcome == "RUNNING"
        assert not Chunk.objects.filter(document=document).exists()  # nothing half-stored

        wait_for(lambda: Document.objects.get(pk=document.pk).attempts == 2, 60, "a run taking the document over")
        taken_over_after = time.monotonic() - killed_at
        wait_for(lambda: Document.objects.get(pk=document.pk).status == "PROCESSED", 30, "the run to finish")
    finally:
        release.set()
        kill(cluster)
    assert taken_over_after < 15  # the cluster's respawn, 2 s to go stale, 1 s margin, a queue poll
    document.refresh_from_db()
    chunks = list(Chunk.objects.filter(document=document).values_list("index", "sha256"))
    assert document.chunk_count == len(chunks) == 24
    assert len({index for index, _ in chunks}) == len({sha for _, sha in chunks}) == 24  # no duplicates
    job = IngestJob.objects.get(document=document)
    assert job.outcome == "PROCESSED"
    assert job.finished_at is not None


def test_a_run_waiting_on_a_slow_provider_is_not_taken_over(byok_bot, fake_openai, monkeypatch, settings):
    """The run beats from a thread of its own, so a batch slower than INGEST_STALE_SECONDS
    (a provider retrying, say) does not look like a dead worker to the next claimer."""
    from documents import ingest

    settings.INGEST_STALE_SECONDS = 1
    embed, answering = embeddings_handler(), threading.Event()

    def slow_embed(request):
        answering.set()
        time.sleep(2.5)
        return embed(request)

    fake_openai.routes[("POST", "/v1/embeddings")] = slow_embed
    monkeypatch.setattr(Conf, "SYNC", False)  # the run is started below, in a thread
    upload = SimpleUploadedFile("a.txt", "Enviamos a todo el país.".encode())
    [document], _ = document_upload(bot=byok_bot, files=[upload])
    results = []

    def run():
        try:
            results.append(ingest.process_document(document.pk).outcome)
        finally:
            connection.close()

    runner = threading.Thread(target=run)
    runner.start()
    try:
        assert answering.wait(10)
        time.sleep(1.6)  # quiet for longer than INGEST_STALE_SECONDS, were it not for the heartbeat
        assert ingest.claim(document.pk) is None
    finally:
        runner.join(30)
    document.refresh_from_db()
    assert results == ["processed"]
    assert document.attempts == 1
