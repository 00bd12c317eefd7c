"""`manage.py reindex`: chunk and embed documents again (after a change of embedding model
or chunk settings), through the same pipeline the background task runs.

    manage.py reindex --bot PUBLIC_ID | --tenant SLUG | --all  [--sync] [--rebuild-index]

Without --sync the documents are queued for the worker. With --sync they are processed
here, one after the other, with a progress bar; cached embeddings are reused either way.
--rebuild-index (with --sync) drops the HNSW index first and builds it once at the end,
which is much faster than keeping it up to date row by row for a large re-index.
"""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from documents.ingest import ingest_document
from documents.models import Document
from documents.services import document_reindex

HNSW_INDEX_SQL = ("CREATE INDEX chunk_embedding_hnsw ON documents_chunk "
                  "USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)")


class Command(BaseCommand):
    help = "Re-chunk and re-embed documents of one bot, one tenant or all tenants."

    def add_arguments(self, parser):
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--bot", metavar="PUBLIC_ID")
        scope.add_argument("--tenant", metavar="SLUG")
        scope.add_argument("--all", action="store_true")
        parser.add_argument("--sync", action="store_true", help="process here instead of queueing for the worker")
        parser.add_argument("--rebuild-index", action="store_true",
                            help="with --sync: drop the vector index and rebuild it once at the end")

    def handle(self, *args, bot=None, tenant=None, all=False, sync=False, rebuild_index=False, **options):
        documents = Document.objects.order_by("created_at")
        if bot:
            documents = documents.filter(bot__public_id=bot)
        elif tenant:
            documents = documents.filter(tenant__slug=tenant)
        if rebuild_index and not sync:
            raise CommandError("--rebuild-index needs --sync.")
        ids = list(documents.values_list("pk", flat=True))
        if not ids:
            raise CommandError("No documents match.")
        if rebuild_index:
            with connection.cursor() as cursor:
                cursor.execute("DROP INDEX IF EXISTS chunk_embedding_hnsw")
        failed = 0
        started = time.monotonic()
        try:
            for number, document_id in enumerate(ids, start=1):
                document = Document.objects.get(pk=document_id)
                document_reindex(document=document, enforce_quota=False)
                if sync:
                    result = ingest_document(document_id)
                    failed += result.outcome == "failed"
                self._progress(number, len(ids), started)
        finally:
            if rebuild_index:
                self.stdout.write("\nBuilding the vector index…")
                with connection.cursor() as cursor:
                    # Inside an outer transaction, deferred foreign-key checks must run first.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    cursor.execute(HNSW_INDEX_SQL)
        verb = "Re-indexed" if sync else "Queued"
        self.stdout.write(self.style.SUCCESS(f"\n{verb} {len(ids)} documents in {time.monotonic() - started:.1f} s"
                                             + (f"; {failed} failed (see the dashboard)." if failed else ".")))

    def _progress(self, done, total, started):
        width = 30
        filled = int(width * done / total)
        elapsed = time.monotonic() - started
        sys.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} documents  {elapsed:.0f} s")
        sys.stdout.flush()
