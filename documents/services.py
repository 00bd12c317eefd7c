"""Writes for the knowledge base: add documents, retry, re-index, delete, edit chunks."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django_q.tasks import async_task

from bots.models import Bot
from documents import knowledge
from documents.chunking import embedded_text, sha256_text
from documents.extract import CSV, JSON, MARKDOWN, TEXT, ExtractionError, sniff_mime
from documents.ingest import embed_texts
from documents.models import Chunk, Document, IngestJob
from kaiu.accounts import quotas
from kaiu.accounts.models import Tenant
from kaiu.ai.embeddings import EmbeddingError, embedder_for

logger = logging.getLogger(__name__)

PENDING_LOST_SECONDS = 3600


class DocumentError(Exception):
    """A refusal the tenant can act on; the message is shown as is."""


_SOURCE_TYPES = {JSON: Document.SourceType.JSON_STRUCTURED, CSV: Document.SourceType.CSV_STRUCTURED}


# --- Quotas -------------------------------------------------------------------------------


def documents_in_fullest_bot(tenant: Tenant) -> int:
    """The plan limits documents per bot; the overview shows the bot closest to it."""
    row = Document.objects.filter(tenant=tenant).values("bot").annotate(n=Count("pk")).order_by("-n").first()
    return row["n"] if row else 0


def storage_mb(tenant: Tenant) -> float:
    total = Document.objects.filter(tenant=tenant).aggregate(total=Sum("size_bytes"))["total"] or 0
    return round(total / 1_000_000, 1)


def ingest_jobs_this_month(tenant: Tenant) -> int:
    start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return IngestJob.objects.filter(tenant=tenant, created_at__gte=start).count()


def _check_quotas(bot: Bot, *, new_documents: int, new_bytes: int, jobs: int | None = None) -> None:
    """Every plan limit the new documents count against. Locks the tenant (quota_check): call
    it in the transaction that stores them."""
    tenant = bot.tenant
    if new_documents:
        quotas.quota_check(
            tenant, "documents", adding=new_documents, count=Document.objects.filter(bot=bot).count,
            message="This bot has {used} of the {limit} documents your {plan} plan allows. "
                    "Delete some or upgrade your plan.")
    if new_bytes:
        quotas.quota_check(
            tenant, "storage_mb", adding=new_bytes / 1_000_000,
            message="This would pass the {limit} MB of storage your {plan} plan allows. "
                    "Delete some documents or upgrade your plan.")
    quotas.quota_check(
        tenant, "ingest_jobs_month", adding=jobs or max(1, new_documents),
        message="Your {plan} plan allows {limit} processing jobs a month and they are used up. "
                "They renew on the 1st, or upgrade your plan.")


# --- Adding documents ---------------------------------------------------------------------


def _enqueue(document: Document, reason: str) -> None:
    """Queue ingestion once the transaction commits, so the worker sees the row."""
    IngestJob.objects.create(tenant_id=document.tenant_id, document=document, reason=reason)
    transaction.on_commit(lambda: async_task(
        "documents.tasks.ingest_document", document.pk, task_name=f"ingest {document.pk}", group="ingest"))


def _create_document(*, bot: Bot, name: str, data: bytes, mime_type: str, source_type: str, user) -> Document:
    digest = hashlib.sha256(data).hexdigest()
    if Document.objects.filter(bot=bot, sha256=digest).exists():
        raise DocumentError(f"“{name}” is already in this bot's knowledge base.")
    document = Document(tenant=bot.tenant, bot=bot, name=name[:255], source_type=source_type,
                        mime_type=mime_type, size_bytes=len(data), sha256=digest, created_by=user)
    document.file.save("content", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            document.save()
            _enqueue(document, "upload")
    except IntegrityError as error:  # the same file arrived twice at the same moment
        document.file.delete(save=False)
        raise DocumentError(f"“{name}” is already in this bot's knowledge base.") from error
    except Exception:
        document.file.delete(save=False)  # nothing stays on disk for a row that was never saved
        raise
    return document


def document_upload(*, bot: Bot, files: list, user=None) -> tuple[list[Document], list[str]]:
    """Add uploaded files. Returns (documents added, one message per file refused).

    Every file is checked before any is stored: by size, by content (not extension), for
    duplicates, and against the plan's quotas for the whole batch."""
    limit = settings.INGEST_MAX_FILE_MB * 1_000_000
    accepted, errors = [], []
    for upload in files:
        name = (upload.name or "document").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
        if upload.size > limit:
            errors.append(
                f"“{name}” is {upload.size / 1_000_000:.1f} MB; the limit is {settings.INGEST_MAX_FILE_MB} MB."
            )
            continue
        data = upload.read()
        try:
            mime_type = sniff_mime(data, name)
        except ExtractionError as error:
            errors.append(f"“{name}”: {error}")
            continue
        accepted.append((name, data, mime_type))
    if not accepted:
        return [], errors
    bot = Bot.objects.select_related("tenant__plan").get(pk=bot.pk)
    documents = []
    with transaction.atomic():  # the quota lock holds until the batch is stored
        _check_quotas(bot, new_documents=len(accepted), new_bytes=sum(len(data) for _, data, _ in accepted))
        for name, data, mime_type in accepted:
            try:
                documents.append(_create_document(
                    bot=bot, name=name, data=data, mime_type=mime_type,
                    source_type=_SOURCE_TYPES.get(mime_type, Document.SourceType.FILE_UPLOAD), user=user))
            except DocumentError as error:
                errors.append(str(error))
    if documents:
        knowledge.refresh_bot(bot.pk)
    return documents, errors


@transaction.atomic  # the quota lock holds until the document is stored
def document_add_text(*, bot: Bot, title: str, text: str, user=None) -> Document:
    title, text = title.strip(), text.strip()
    if not title or not text:
        raise DocumentError("Give the text a title and some content.")
    data = text.encode()
    bot = Bot.objects.select_related("tenant__plan").get(pk=bot.pk)
    _check_quotas(bot, new_documents=1, new_bytes=len(data))
    document = _create_document(bot=bot, name=title, data=data, mime_type=MARKDOWN if "#" in text else TEXT,
                                source_type=Document.SourceType.MANUAL_TEXT, user=user)
    knowledge.refresh_bot(bot.pk)
    return document


# --- Documents another app writes -------------------------------------------------------


def generated_document_find(*, bot: Bot, source_type: str) -> Document | None:
    return Document.objects.filter(bot=bot, source_type=source_type).first()


@transaction.atomic
def generated_document_refresh(*, bot: Bot, source_type: str, name: str) -> Document:
    """The bot's one document of `source_type`, whose passages come from the app registered
    for it (ingest.PASSAGE_SOURCES), created or queued to read them again. One already waiting
    reads them when it runs, so it is left waiting: a hundred changes make one run. Kept by the
    platform, not uploaded by the tenant, so its runs count against no document quota."""
    Bot.objects.select_for_update().filter(pk=bot.pk).first()  # one document per bot, one run at a time
    document = generated_document_find(bot=bot, source_type=source_type)
    if document is None:
        document = Document.objects.create(
            tenant_id=bot.tenant_id, bot=bot, name=name[:255], source_type=source_type, mime_type=TEXT,
            sha256=hashlib.sha256(f"generated:{source_type}".encode()).hexdigest())
        _enqueue(document, "sync")
        knowledge.refresh_bot(bot.pk)
    elif document.status != Document.Status.PENDING:
        _requeue(document, "sync")  # a run in progress gives way (its claim token is dropped)
    return document


# --- Retry, re-index, delete --------------------------------------------------------------


def _check_job_quota(bot_id) -> None:
    """A retry or re-index adds no document and no bytes, but it is one more processing job."""
    _check_quotas(Bot.objects.select_related("tenant__plan").get(pk=bot_id), new_documents=0, new_bytes=0)


@transaction.atomic  # the job quota's lock holds until the job is queued
def document_retry(*, document: Document) -> None:
    if document.status != Document.Status.FAILED:
        raise DocumentError("Only a failed document can be retried.")
    if document.permanent_failure:
        raise DocumentError(f"“{document.name}” cannot be read as it is, so a retry would fail the same way. "
                            "Upload a fixed file instead.")
    _check_job_quota(document.bot_id)
    _requeue(document, "retry")


@transaction.atomic
def document_reindex(*, document: Document, enforce_quota: bool = True) -> None:
    if enforce_quota:
        _check_job_quota(document.bot_id)
    _requeue(document, "reindex")


def bot_reindex(*, bot: Bot) -> int:
    """Queue every document of the bot that is not already being processed, nor failed for
    good (the same file would fail the same way); return how many."""
    documents = list(Document.objects.filter(bot=bot).exclude(
        status__in=[Document.Status.PENDING, Document.Status.PROCESSING]).exclude(permanent_failure=True))
    if not documents:
        return 0
    with transaction.atomic():  # all of them, or none when the month's jobs do not cover them all
        _check_quotas(Bot.objects.select_related("tenant__plan").get(pk=bot.pk), new_documents=0,
                      new_bytes=0, jobs=len(documents))
        for document in documents:
            _requeue(document, "reindex")
    return len(documents)


@transaction.atomic
def _requeue(document: Document, reason: str) -> None:
    Document.objects.filter(pk=document.pk).update(
        status=Document.Status.PENDING, attempts=0, error_message="", permanent_failure=False, claim_token=None,
        progress_done=0, progress_total=0, updated_at=timezone.now())
    _enqueue(document, reason)
    knowledge.refresh_bot(document.bot_id)


@transaction.atomic
def document_delete(*, document: Document) -> None:
    """Remove the document, its chunks and its file. Documents whose passages were skipped as
    duplicates of this one are re-indexed, so the bot does not lose those passages."""
    bot_id = document.bot_id
    IngestJob.objects.filter(document=document, finished_at__isnull=True).update(
        outcome=IngestJob.Outcome.CANCELLED, finished_at=timezone.now())
    document.delete()  # its file goes after commit (DocumentsConfig._document_deleted)
    for sibling in Document.objects.filter(bot_id=bot_id, duplicate_chunk_count__gt=0,
                                           status=Document.Status.PROCESSED):
        _requeue(sibling, "reindex")
    knowledge.refresh_bot(bot_id, changed=True)


def recover_stalled_documents() -> int:
    """Re-queue documents whose run died (worker killed, machine restarted). Run every minute
    and when a worker process starts; ingest.claim decides per document whether to take over
    or to give up after the attempt limit."""
    now = timezone.now()
    dead = Document.objects.filter(status=Document.Status.PROCESSING,
                                   heartbeat_at__lt=now - timedelta(seconds=settings.INGEST_STALE_SECONDS))
    # A PENDING document may simply wait behind a long queue; only one waiting far longer
    # than any queue should is assumed to have lost its task, and is re-queued once an hour.
    lost = Document.objects.filter(status=Document.Status.PENDING,
                                   updated_at__lt=now - timedelta(seconds=PENDING_LOST_SECONDS))
    document_ids = list(dead.values_list("pk", flat=True)) + list(lost.values_list("pk", flat=True))
    Document.objects.filter(pk__in=document_ids, status=Document.Status.PENDING).update(updated_at=now)
    for document_id in document_ids:
        async_task("documents.tasks.ingest_document", document_id, task_name=f"recover {document_id}",
                   group="ingest")
    return len(document_ids)


# --- Chunks -------------------------------------------------------------------------------


def _refuse_while_processing(chunk: Chunk) -> None:
    """A run reads the edits it keeps when it starts: one made while it runs would be lost."""
    if Document.objects.filter(pk=chunk.document_id, status__in=[Document.Status.PENDING,
                                                                Document.Status.PROCESSING]).exists():
        raise DocumentError("This document is being processed. Edit its chunks once it is ready.")


@transaction.atomic
def chunk_update(*, chunk: Chunk, text: str) -> Chunk:
    """Edit a chunk's text; it is re-embedded at once so retrieval finds the new wording."""
    text = text.strip()
    if not text:
        raise DocumentError("A chunk cannot be empty. Disable it instead.")
    digest = sha256_text(text)
    if Chunk.objects.filter(bot_id=chunk.bot_id, sha256=digest).exclude(pk=chunk.pk).exists():
        raise DocumentError("This bot already has a chunk with exactly this text.")
    bot = Bot.objects.select_related("tenant__settings").get(pk=chunk.bot_id)
    embedder = embedder_for(bot)
    try:
        [vector] = embed_texts(embedder, [embedded_text(text, chunk.metadata)])
    except EmbeddingError as error:
        raise DocumentError(f"The chunk was not saved: {error}") from error
    _refuse_while_processing(chunk)  # after the provider call, the slow part, so the gap is small
    if chunk.edited_at is None:
        chunk.original_sha256 = chunk.sha256  # the passage as the file has it: a re-index keeps the edit
    chunk.text, chunk.sha256, chunk.embedding = text, digest, vector
    chunk.embedding_model, chunk.token_count, chunk.edited_at = embedder.model_name, len(text) // 4, timezone.now()
    chunk.save()
    knowledge.refresh_bot(chunk.bot_id, changed=True)
    return chunk


@transaction.atomic
def chunk_set_enabled(*, chunk: Chunk, enabled: bool) -> Chunk:
    _refuse_while_processing(chunk)
    chunk.is_enabled = enabled
    chunk.save(update_fields=["is_enabled"])
    knowledge.refresh_bot(chunk.bot_id, changed=True)
    return chunk
