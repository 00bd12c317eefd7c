"""`manage.py reindex`: chunk and embed documents again (after a change of embedding model
or chunk settings), through the same pipeline the background task runs.

    manage.py reindex --bot PUBLIC_ID | --tenant SLUG | --all  [--sync [--workers N]] [--rebuild-index]

Without --sync the documents are queued for the worker. With --sync they are processed
here, one after the other, with a progress bar; cached embeddings are reused either way.
--rebuild-index (with --sync) drops the HNSW index first and builds it once at the end,
which is much faster than keeping it up to date row by row for a large re-index; the bots'
partitions are built several at a time (at least two, or --workers).
--workers N (with --sync) processes N documents at a time in child processes: the server
computes each chunk's full-text vector on insert, so loads of different bots run in parallel.
"""

import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from documents.ingest import process_document
from documents.models import Document
from documents.partitions import VECTOR_INDEX, vector_index_build
from documents.services import document_reindex


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
        parser.add_argument("--workers", type=int, default=1, help="with --sync: documents processed at a time")

    def handle(self, *args, bot=None, tenant=None, all=False, sync=False, rebuild_index=False, workers=1,
               **options):
        # A file that failed for good would fail the same way, and each run counts as a job of the tenant's plan.
        documents = Document.objects.exclude(permanent_failure=True).order_by("created_at")
        if bot:
            documents = documents.filter(bot__public_id=bot)
        elif tenant:
            documents = documents.filter(tenant__slug=tenant)
        if (rebuild_index or workers > 1) and not sync:
            raise CommandError("--rebuild-index and --workers need --sync.")
        ids = list(documents.values_list("pk", flat=True))
        if not ids:
            raise CommandError("No documents match.")
        if rebuild_index:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP INDEX IF EXISTS {VECTOR_INDEX}")
        started = time.monotonic()
        try:
            for number, document_id in enumerate(ids, start=1):
                document_reindex(document=Document.objects.get(pk=document_id), enforce_quota=False)
                if not sync:
                    self._progress(number, len(ids), started)
            failed = self._process(ids, workers, started) if sync else 0
        finally:
            if rebuild_index:
                self.stdout.write("\nBuilding the vector index…")
                with connection.cursor() as cursor:
                    # Inside an outer transaction, deferred foreign-key checks must run first.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                vector_index_build(workers=max(workers, 2) if not connection.in_atomic_block else 1)
        verb = "Re-indexed" if sync else "Queued"
        self.stdout.write(self.style.SUCCESS(f"\n{verb} {len(ids)} documents in {time.monotonic() - started:.1f} s"
                                             + (f"; {failed} failed (see the dashboard)." if failed else ".")))

    def _process(self, ids, workers, started) -> int:
        """Run the pipeline on every document, in `workers` child processes when more than one."""
        outcomes = []
        if workers <= 1:
            for number, document_id in enumerate(ids, start=1):
                outcomes.append(_ingest(document_id))
                self._progress(number, len(ids), started)
        else:
            connections.close_all()  # children must open connections of their own
            with ProcessPoolExecutor(max_workers=workers, initializer=connections.close_all) as pool:
                for number, future in enumerate(as_completed(pool.submit(_ingest, i) for i in ids), start=1):
                    outcomes.append(future.result())
                    self._progress(number, len(ids), started)
        return outcomes.count("failed")

    def _progress(self, done, total, started):
        width = 30
        filled = int(width * done / total)
        elapsed = time.monotonic() - started
        sys.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} documents  {elapsed:.0f} s")
        sys.stdout.flush()


def _ingest(document_id) -> str:
    return process_document(document_id).outcome
