"""The ingestion pipeline: claim → extract → chunk → embed → store, for one document.

Idempotent and crash-safe: a run claims the document under a row lock and writes a claim
token; embeddings are cached as they arrive (a retry never pays for them twice); the
chunks are replaced in one transaction, only by the run still holding the token. A crash
anywhere leaves either the old chunks or the new ones, never a mix, and the next run ends
in the same state as a clean one.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from pgvector.psycopg import register_vector
from psycopg.types.json import Jsonb

from bots.models import Bot
from documents import knowledge
from documents.chunk_edits import ChunkEdit, apply_edits, chunk_edits, restore_edits
from documents.chunking import ChunkDraft, chunk_sections, embedded_text, sha256_text
from documents.extract import ExtractionError, extract
from documents.models import Chunk, Document, EmbeddingCache, IngestJob
from documents.partitions import ensure_chunk_partition
from kaiu.ai.embeddings import BuiltinEmbedder, Embedder, EmbeddingError, embedder_for

logger = logging.getLogger(__name__)


class IngestError(Exception):
    """A limit or rule the document breaks; the message is shown to the tenant."""


class Superseded(Exception):
    """Another run took the document over (or it was deleted): stop quietly."""


# Documents whose passages another app writes rather than a file holds (the shop's catalogue:
# commerce.knowledge): source type → a function of the document returning its passages, read
# when the run starts, so a run always stores what is true then. Registered in AppConfig.ready,
# since documents may not import the apps that use it.
PASSAGE_SOURCES: dict[str, Callable[[Document], list[ChunkDraft]]] = {}


def passage_source_register(source_type: str, passages: Callable[[Document], list[ChunkDraft]]) -> None:
    PASSAGE_SOURCES[source_type] = passages


@dataclass(frozen=True)
class IngestResult:
    outcome: str  # "processed", "failed" or "skipped"
    chunk_count: int = 0
    message: str = ""


# --- Claiming -----------------------------------------------------------------------------


def claim(document_id) -> uuid.UUID | None:
    """Mark the document PROCESSING for this run and return the run's token, or None when
    there is nothing to do (done, failed, deleted, or another live run has it)."""
    with transaction.atomic():
        # skip_locked: a concurrent claimer of the same row moves on instead of waiting.
        document = Document.objects.select_for_update(skip_locked=True).filter(pk=document_id).first()
        if document is None or document.status not in (Document.Status.PENDING, Document.Status.PROCESSING):
            return None
        now = timezone.now()
        stale_before = now - timedelta(seconds=settings.INGEST_STALE_SECONDS)
        if document.status == Document.Status.PROCESSING and document.heartbeat_at and \
                document.heartbeat_at > stale_before:
            return None
        if document.attempts >= settings.INGEST_MAX_ATTEMPTS:
            _mark_failed(document, (
                f"Processing stopped after {document.attempts} attempts that did not finish. The file may be "
                "damaged or crash the reader: try re-saving it, or split it, and upload it again."))
            return None
        document.status = Document.Status.PROCESSING
        document.attempts += 1
        document.claim_token = uuid.uuid4()
        document.heartbeat_at = now
        document.progress_done = document.progress_total = 0
        document.error_message = ""
        document.save(update_fields=["status", "attempts", "claim_token", "heartbeat_at", "progress_done",
                                     "progress_total", "error_message", "updated_at"])
        # Every job still open for the document is this run's now, also one a dead run left behind.
        IngestJob.objects.filter(document=document, finished_at__isnull=True).update(
            outcome=IngestJob.Outcome.RUNNING)
        knowledge.refresh_bot(document.bot_id)
        return document.claim_token


def _progress(document_id, token, done: int, total: int) -> None:
    """Record progress (which doubles as the run's heartbeat); stop if the run was superseded."""
    updated = Document.objects.filter(pk=document_id, claim_token=token).update(
        progress_done=done, progress_total=total, heartbeat_at=timezone.now())
    if not updated:
        raise Superseded()


class _Heartbeat:
    """Beats for a run from a thread of its own, so that only a dead process goes quiet: a
    slow step (a provider retrying a batch for a minute, a long PDF) never looks dead. A beat
    every third of INGEST_STALE_SECONDS leaves two beats to miss before a takeover."""

    def __init__(self, document_id, token):
        self.document_id, self.token = document_id, token
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"heartbeat {document_id}", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stopped.set()
        self.thread.join()

    def _beat(self) -> None:
        try:
            while not self.stopped.wait(settings.INGEST_STALE_SECONDS / 3):
                try:
                    alive = Document.objects.filter(pk=self.document_id, claim_token=self.token).update(
                        heartbeat_at=timezone.now())
                except DatabaseError:
                    logger.warning("Heartbeat of document %s missed", self.document_id, exc_info=True)
                    continue
                if not alive:
                    return  # taken over or deleted: the run stops at its next progress report
        finally:
            connection.close()  # the connection this thread opened


def _close_jobs(document_id, outcome: str) -> None:
    IngestJob.objects.filter(document_id=document_id, finished_at__isnull=True).update(
        outcome=outcome, finished_at=timezone.now())


def _mark_failed(document: Document, message: str, *, permanent: bool = False) -> None:
    document.status = Document.Status.FAILED
    document.error_message = message
    document.permanent_failure = permanent
    document.claim_token = None
    document.save(update_fields=["status", "error_message", "permanent_failure", "claim_token", "updated_at"])
    _close_jobs(document.pk, IngestJob.Outcome.FAILED)
    knowledge.refresh_bot(document.bot_id)


def _fail(document_id, token, message: str, *, permanent: bool = False) -> None:
    with transaction.atomic():
        document = Document.objects.select_for_update().filter(pk=document_id, claim_token=token).first()
        if document is not None:
            _mark_failed(document, message, permanent=permanent)


# --- The pipeline -------------------------------------------------------------------------


def process_document(document_id) -> IngestResult:
    """Run the pipeline for one document. Its ingest jobs follow the run that claims it:
    RUNNING from the claim, then PROCESSED or FAILED with it."""
    token = claim(document_id)
    if token is None:
        return IngestResult("skipped")
    try:
        with _Heartbeat(document_id, token):
            count = _run(document_id, token)
    except (Superseded, Document.DoesNotExist, Bot.DoesNotExist):  # taken over, or deleted meanwhile
        return IngestResult("skipped")
    except (ExtractionError, EmbeddingError, IngestError) as error:
        _fail(document_id, token, str(error), permanent=getattr(error, "permanent", False))
        return IngestResult("failed", message=str(error))
    except Exception:
        logger.exception("Ingestion of document %s failed", document_id)
        message = "Something went wrong while processing this document. Retry; if it fails again, contact support."
        _fail(document_id, token, message)
        return IngestResult("failed", message=message)
    return IngestResult("processed", chunk_count=count)


def _run(document_id, token) -> int:
    started = time.monotonic()
    document = Document.objects.select_related("bot__tenant__settings").get(pk=document_id)
    bot = document.bot
    generated = PASSAGE_SOURCES.get(document.source_type)
    if generated is not None:
        sections, drafts = [], generated(document)
    else:
        sections = extract(read_content(document), document.mime_type)
        rag = bot.rag_config or {}
        drafts = chunk_sections(sections, size=int(rag.get("chunk_size", 1000)),
                                overlap=int(rag.get("chunk_overlap", 200)))
    if len(drafts) > settings.INGEST_MAX_CHUNKS:
        raise IngestError(f"This document makes {len(drafts):,} chunks; the limit is {settings.INGEST_MAX_CHUNKS:,}. "
                          "Split it, or raise the chunk size of the bot.")
    pages = [s.metadata["page"] for s in sections if "page" in s.metadata]
    drafts, carried = apply_edits(drafts, chunk_edits(bot.pk, document_id))
    _progress(document_id, token, 0, len(drafts))

    def check_time():
        if time.monotonic() - started > settings.INGEST_MAX_SECONDS:
            raise IngestError(f"Processing took longer than {settings.INGEST_MAX_SECONDS} seconds. "
                              "Split the document into smaller files.")

    embedder = embedder_for(bot)
    vectors = embed_texts(
        embedder, [embedded_text(draft.text, draft.metadata) for draft in drafts],
        on_progress=lambda done: (check_time(), _progress(document_id, token, done, len(drafts))),
    )
    return store_chunks(document_id, token, drafts, vectors, embedder.model_name,
                        page_count=max(pages) if pages else None, carried=carried)


def read_content(document: Document) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


def embed_texts(embedder: Embedder, texts: list[str], *, on_progress=lambda done: None) -> list[list[float]]:
    """Vectors for `texts`, in order, in batches; provider results are cached by (provider,
    model, sha256), a tenant's own provider in rows only that tenant reads.

    The built-in embedder is computed locally and deterministically, so caching it would
    only cost a database round trip per batch."""
    batch_size = settings.EMBED_BATCH_SIZE
    if isinstance(embedder, BuiltinEmbedder):
        vectors = []
        for start in range(0, len(texts), batch_size * 4):
            vectors.extend(embedder.embed(texts[start:start + batch_size * 4]))
            on_progress(len(vectors))
        return vectors

    tenant_id, provider = embedder.cache_scope
    scope = {"tenant_id": tenant_id, "provider": provider, "model": embedder.model_name}
    hashes = [sha256_text(text) for text in texts]
    known = {}
    for start in range(0, len(hashes), 1000):
        known.update(EmbeddingCache.objects.filter(
            **scope, sha256__in=hashes[start:start + 1000]).values_list("sha256", "embedding"))
    missing = list({h: t for h, t in zip(hashes, texts, strict=True) if h not in known}.items())
    on_progress(len(texts) - len(missing))
    for start in range(0, len(missing), batch_size):
        batch = missing[start:start + batch_size]
        vectors = embedder.embed([text for _, text in batch])
        EmbeddingCache.objects.bulk_create(
            [
                EmbeddingCache(**scope, sha256=h, embedding=v)
                for (h, _), v in zip(batch, vectors, strict=True)
            ],
            ignore_conflicts=True,
        )
        known.update({h: v for (h, _), v in zip(batch, vectors, strict=True)})
        on_progress(len(texts) - len(missing) + start + len(batch))
    return [list(known[h]) for h in hashes]


# --- Storing ------------------------------------------------------------------------------

COPY_COLUMNS = ("bot_id", "document_id", "index", "text", "sha256", "language", "embedding",
                "embedding_model", "metadata", "token_count", "is_enabled")
COPY_TYPES = ("uuid", "uuid", "int4", "text", "varchar", "varchar", "vector", "varchar", "jsonb", "int4", "bool")


def store_chunks(document_id, token, drafts: list[ChunkDraft], vectors, model_name: str, *,
                 page_count=None, carried: dict[str, ChunkEdit] | None = None) -> int:
    """Replace the document's chunks in one transaction; a passage the bot already has from
    another document is skipped (stored once per bot). `carried`: the tenant's edits kept, by
    the sha256 of the text stored (see apply_edits)."""
    with transaction.atomic():
        # The bot row lock serialises stores per bot, so the duplicate check cannot race.
        bot = Bot.objects.select_for_update().get(pk=Document.objects.values("bot_id").get(pk=document_id)["bot_id"])
        document = Document.objects.select_for_update().filter(pk=document_id, claim_token=token).first()
        if document is None or document.status != Document.Status.PROCESSING:
            raise Superseded()
        Chunk.objects.filter(bot=bot, document=document).delete()
        rows, seen = [], set()
        for draft, vector in zip(drafts, vectors, strict=True):
            digest = sha256_text(draft.text)
            if digest not in seen:
                seen.add(digest)
                rows.append((draft, digest, vector))
        taken = set()
        for start in range(0, len(rows), 1000):
            taken.update(Chunk.objects.filter(bot=bot, sha256__in=[d for _, d, _ in rows[start:start + 1000]])
                         .values_list("sha256", flat=True))
        rows = [row for row in rows if row[1] not in taken]
        copy_chunks(bot, document, rows, model_name)
        restore_edits(bot, document, carried or {})
        document.status = Document.Status.PROCESSED
        document.chunk_count = len(rows)
        document.duplicate_chunk_count = len(drafts) - len(rows)
        document.progress_done = document.progress_total = len(drafts)
        document.page_count = page_count
        document.processed_at = timezone.now()
        document.claim_token = None
        document.error_message = ""
        document.save()
        _close_jobs(document.pk, IngestJob.Outcome.PROCESSED)
        knowledge.refresh_bot(bot.pk, changed=True)
    return len(rows)


def copy_chunks(bot: Bot, document: Document, rows, model_name: str) -> None:
    """COPY BINARY through psycopg: the fastest way in (see benchmarks/ingest.py)."""
    if not rows:
        return
    ensure_chunk_partition(bot.pk)
    connection.ensure_connection()
    raw = connection.connection
    register_vector(raw)
    statement = f"COPY documents_chunk ({', '.join(COPY_COLUMNS)}) FROM STDIN WITH (FORMAT BINARY)"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types(list(COPY_TYPES))
        for draft, digest, vector in rows:
            copy.write_row((bot.pk, document.pk, draft.index, draft.text, digest, bot.language,
                            vector, model_name, Jsonb(draft.metadata), len(draft.text) // 4, True))

