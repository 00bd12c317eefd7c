"""Chunk edits and disabled flags, and what a re-index does with them."""

import pytest

from documents.models import Chunk
from documents.search import retrieve
from documents.services import DocumentError, bot_reindex, chunk_set_enabled, chunk_update

PRICES = "\n\n".join([
    "Té verde Sencha de Japón: 149 SEK los 100 gramos.",
    "Té negro Assam de la India: 129 SEK los 100 gramos.",
    "Rooibos de Sudáfrica, sin teína: 99 SEK los 100 gramos.",
])


@pytest.fixture
def price_list(bot, add_text):
    bot.rag_config = {**bot.rag_config, "chunk_size": 60, "chunk_overlap": 0}
    bot.save()
    document = add_text(bot, "Precios", PRICES)
    assert document.chunk_count == 3
    return document


def chunks_of(document):
    return list(Chunk.objects.filter(document=document).order_by("index"))


def reindex(bot, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the worker's run happens here (sync mode)
        bot_reindex(bot=bot)


def test_re_index_all_keeps_edits_and_disabled_flags_of_unchanged_passages(
        owner_client, bot, price_list, django_capture_on_commit_callbacks):
    sencha, assam, rooibos = chunks_of(price_list)
    owner_client.post(
        f"/app/knowledge/chunks/{sencha.pk}/edit/", {"text": "Té verde Sencha de Japón: 199 SEK los 100 gramos."}
    )
    owner_client.post(f"/app/knowledge/chunks/{rooibos.pk}/toggle/", {"page": "1"})
    edited_at = Chunk.objects.get(pk=sencha.pk).edited_at

    for _ in range(2):  # the second time, the edit is matched by the passage it replaced again
        with django_capture_on_commit_callbacks(execute=True):
            owner_client.post(f"/app/knowledge/{bot.public_id}/reindex/")
        price_list.refresh_from_db()
        assert (price_list.status, price_list.attempts) == ("PROCESSED", 1)
        after = chunks_of(price_list)
        assert [c.pk for c in after] != [sencha.pk, assam.pk, rooibos.pk]  # stored anew
        assert [c.text for c in after] == ["Té verde Sencha de Japón: 199 SEK los 100 gramos.", assam.text,
                                           rooibos.text]
        assert [c.is_enabled for c in after] == [True, True, False]
        assert [c.edited_at for c in after] == [edited_at, None, None]
        assert after[0].original_sha256 == sencha.sha256
    hits = retrieve(bot, "precio del té verde sencha", mode="hybrid", record=False).hits
    assert "199 SEK" in hits[0].text
    assert all("Rooibos" not in hit.text for hit in hits)
    confirmation = owner_client.get(f"/app/knowledge/{bot.public_id}/reindex/").content.decode()
    assert "Edited and disabled chunks stay as they are wherever the file still has the same passage" in confirmation


def test_an_edit_is_embedded_by_the_new_model_when_a_provider_switch_is_re_indexed(
        bot, price_list, fake_openai, django_capture_on_commit_callbacks):
    from tests.fakes.openai_server import use_fake_server

    sencha = chunks_of(price_list)[0]
    as_in_the_file = sencha.text
    chunk_update(chunk=sencha, text="Té verde Sencha de Japón: 199 SEK los 100 gramos.")
    use_fake_server(bot.tenant, fake_openai)
    reindex(bot, django_capture_on_commit_callbacks)
    edited = chunks_of(price_list)[0]
    assert edited.text == "Té verde Sencha de Japón: 199 SEK los 100 gramos."
    assert edited.embedding_model == "text-embedding-3-small"
    sent = [text for request in fake_openai.requests if request["path"] == "/v1/embeddings"
            for text in request["body"]["input"]]
    assert edited.text in sent
    assert as_in_the_file not in sent  # the file's wording of the edited passage is not embedded


def test_a_passage_cut_differently_comes_back_as_the_file_has_it(bot, price_list, django_capture_on_commit_callbacks):
    chunk_update(chunk=chunks_of(price_list)[0], text="Té verde Sencha de Japón: 199 SEK los 100 gramos.")
    chunk_set_enabled(chunk=chunks_of(price_list)[2], enabled=False)
    bot.rag_config = {**bot.rag_config, "chunk_size": 1000}
    bot.save()
    reindex(bot, django_capture_on_commit_callbacks)
    [whole] = chunks_of(price_list)
    assert (whole.text, whole.is_enabled, whole.edited_at) == (PRICES, True, None)


def test_a_documents_chunks_cannot_change_while_it_is_being_processed(owner_client, price_list):
    chunk = chunks_of(price_list)[0]
    type(price_list).objects.filter(pk=price_list.pk).update(status="PENDING")  # a re-index is queued
    with pytest.raises(DocumentError, match="being processed"):
        chunk_update(chunk=chunk, text="Té verde: 199 SEK.")
    response = owner_client.post(f"/app/knowledge/chunks/{chunk.pk}/toggle/", {"page": "1"}, follow=True)
    assert response.status_code == 200
    assert "being processed" in response.content.decode()
    chunk.refresh_from_db()
    assert (chunk.text, chunk.is_enabled, chunk.edited_at) == (PRICES.split("\n\n")[0], True, None)
