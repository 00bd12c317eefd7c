"""The embedding cache serves a vector only to the provider that computed it: the platform's
rows to tenants on the platform key, a tenant's own server's rows to that tenant alone."""

import pytest

from documents.models import Chunk, EmbeddingCache
from kaiu.accounts.services import llm_settings_update
from tests.fakes.openai_server import FakeOpenAI, embeddings_handler, json_response

TEXT = "Enviamos a todo el país en tres a cinco días hábiles."


def constant_embeddings(request):
    """A tenant's own server answering with vectors of its choosing (all alike here)."""
    body = request["body"]
    vector = [1.0] + [0.0] * (body["dimensions"] - 1)
    return json_response({"object": "list", "model": body["model"], "usage": {"prompt_tokens": 1, "total_tokens": 1},
                          "data": [{"object": "embedding", "index": i, "embedding": vector}
                                   for i in range(len(body["input"]))]})


@pytest.fixture
def platform_openai(settings):
    """The platform's provider: its own fake server, naming the same model as the tenant's."""
    with FakeOpenAI() as server:
        server.routes[("POST", "/v1/embeddings")] = embeddings_handler()
        settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = "sk-platform", server.base_url
        settings.OPENAI_EMBEDDING_MODEL = "text-embedding-3-small"
        yield server


def use_own_server(bot, server):
    llm_settings_update(tenant=bot.tenant, provider="OPENAI_COMPATIBLE", base_url=server.base_url,
                        chat_model="gpt-4o-mini", embedding_model="text-embedding-3-small", api_key="sk-tenant")
    bot.refresh_from_db()


def embedded_texts(server):
    return [text for r in server.requests if r["path"] == "/v1/embeddings" for text in r["body"]["input"]]


def stored_vector(bot):
    return list(Chunk.objects.get(bot=bot).embedding)


@pytest.mark.parametrize("first", ["own server", "platform"])
def test_a_tenants_own_server_and_the_platform_never_share_vectors(
        first, bot, other_bot, fake_openai, platform_openai, add_text):
    fake_openai.routes[("POST", "/v1/embeddings")] = constant_embeddings
    use_own_server(bot, fake_openai)  # `bot`'s tenant brings its server; `other_bot`'s uses the platform key
    order = [bot, other_bot] if first == "own server" else [other_bot, bot]
    for each in order:
        assert add_text(each, "Envíos", TEXT).status == "PROCESSED"

    # Each provider embedded the text itself, whoever had cached it before.
    assert embedded_texts(fake_openai) == [TEXT]
    assert embedded_texts(platform_openai) == [TEXT]
    assert stored_vector(bot)[:2] == [1.0, 0.0]
    assert stored_vector(other_bot) != stored_vector(bot)
    assert set(EmbeddingCache.objects.values_list("tenant", "provider")) == {
        (bot.tenant_id, fake_openai.base_url), (None, platform_openai.base_url)}


def test_two_tenants_on_the_same_server_do_not_share_their_cache(bot, other_bot, fake_openai, add_text):
    """Otherwise one tenant would learn from a missing request which texts the other holds."""
    fake_openai.routes[("POST", "/v1/embeddings")] = embeddings_handler()
    use_own_server(bot, fake_openai)
    use_own_server(other_bot, fake_openai)
    add_text(bot, "Envíos", TEXT)
    add_text(other_bot, "Envíos", TEXT)
    assert embedded_texts(fake_openai) == [TEXT, TEXT]


def test_tenants_on_the_platform_key_share_its_cache(bot, other_bot, platform_openai, add_text):
    add_text(bot, "Envíos", TEXT)
    add_text(other_bot, "Envíos", TEXT)
    assert embedded_texts(platform_openai) == [TEXT]
    assert stored_vector(bot) == stored_vector(other_bot)


def test_deleting_a_tenant_deletes_its_cached_vectors(bot, fake_openai, add_text):
    fake_openai.routes[("POST", "/v1/embeddings")] = embeddings_handler()
    use_own_server(bot, fake_openai)
    add_text(bot, "Envíos", TEXT)
    assert EmbeddingCache.objects.filter(tenant=bot.tenant).count() == 1
    bot.tenant.delete()
    assert not EmbeddingCache.objects.exists()
