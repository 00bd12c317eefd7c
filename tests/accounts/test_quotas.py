"""One quota API (kaiu.accounts.quotas): counted meters checked under the tenant lock, taken
meters upserted atomically; both hold when requests arrive at the same moment."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from bots.models import Template
from bots.services import bot_create
from documents.models import Document
from documents.services import document_add_text, document_upload
from kaiu.accounts import quotas
from kaiu.accounts.models import Plan, QuotaUsage
from kaiu.accounts.quotas import QuotaExceeded


def _at_once(count, work):
    """Run `work(i)` in `count` threads released together; returns each result or exception."""
    barrier, results = threading.Barrier(count), [None] * count

    def run(i):
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as error:  # the refusals are what the test counts
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_uploads_never_pass_the_document_limit(tenant, owner):
    Plan.objects.filter(pk=tenant.plan_id).update(max_documents_per_bot=20, max_ingest_jobs_per_month=1000)
    bot = bot_create(tenant=tenant, template=Template.objects.get(slug="faq"), name="Helper", user=owner)
    for number in range(19):
        document_add_text(bot=bot, title=f"Note {number}", text=f"Nota número {number}.")

    results = _at_once(8, lambda i: document_upload(
        bot=bot, files=[SimpleUploadedFile(f"file-{i}.txt", f"Archivo {i}.".encode())]))

    refused = [result for result in results if isinstance(result, QuotaExceeded)]
    assert Document.objects.filter(bot=bot).count() == 20
    assert len(refused) == 7
    assert "has 20 of the 20 documents" in str(refused[0])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_questions_take_exactly_the_monthly_limit(tenant):
    Plan.objects.filter(pk=tenant.plan_id).update(max_queries_per_month=5)
    tenant.refresh_from_db()

    results = _at_once(12, lambda i: quotas.quota_take(tenant, "questions_month"))

    assert results.count(True) == 5
    assert results.count(False) == 7
    assert quotas.used(tenant, "questions_month") == 5


def test_a_zero_limit_takes_nothing(tenant):
    Plan.objects.filter(pk=tenant.plan_id).update(max_queries_per_month=0)
    tenant.refresh_from_db()
    assert quotas.quota_take(tenant, "questions_month") is False
    assert not QuotaUsage.objects.exists()


def test_quota_check_names_use_limit_and_plan(tenant, owner):
    Plan.objects.filter(pk=tenant.plan_id).update(max_bots=1)
    bot_create(tenant=tenant, template=None, name="First", user=owner)
    with pytest.raises(QuotaExceeded, match=r"Your Free plan allows 1 bot\. Delete one"):
        bot_create(tenant=tenant, template=None, name="Second", user=owner)


def test_usage_lists_taken_and_counted_meters(tenant, owner):
    bot_create(tenant=tenant, template=None, name="First", user=owner)
    quotas.quota_take(tenant, "questions_month")
    usage = {row.label: row.used for row in quotas.usage_for(tenant)}
    assert usage["Bots"] == 1
    assert usage["Questions this month"] == 1


def test_only_counted_meters_take_a_counter():
    with pytest.raises(KeyError):
        quotas.register_counter("questions_month", lambda tenant: 0)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_quota_check_in_progress_does_not_hold_up_the_tenants_chats(tenant, owner):
    """The quota lock serialises quota checks only: a conversation (which references the
    tenant) is written meanwhile."""
    from django.db import transaction

    from chat.models import Conversation

    bot = bot_create(tenant=tenant, template=None, name="Helper", user=owner)
    locked, release = threading.Event(), threading.Event()

    def hold_the_lock():
        with transaction.atomic():
            quotas.quota_lock(tenant)
            locked.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    locked.wait(10)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")  # fails, rather than waits, behind a FOR UPDATE
            Conversation.objects.create(tenant=tenant, bot=bot, channel="PAGE")
    finally:
        release.set()
        holder.join()
    assert Conversation.objects.filter(bot=bot).count() == 1


def test_re_index_all_is_refused_whole_when_the_months_jobs_do_not_cover_it(tenant, owner, add_text):
    from documents.services import bot_reindex

    bot = bot_create(tenant=tenant, template=None, name="Helper", user=owner)
    for number in range(3):
        add_text(bot, f"Note {number}", f"Nota número {number}.")
    Plan.objects.filter(pk=tenant.plan_id).update(max_ingest_jobs_per_month=4)  # 3 used, 1 left
    with pytest.raises(QuotaExceeded):
        bot_reindex(bot=bot)
    assert not Document.objects.filter(bot=bot, status="PENDING").exists()
