"""Retrieval on the real database with the built-in embedder."""

import pytest

from bots.models import Bot
from bots.services import bot_create
from documents.models import Chunk
from documents.partitions import chunk_partition_exists
from documents.search import retrieve
from documents.services import chunk_set_enabled, chunk_update
from kaiu.accounts.models import Plan, Tenant

# A small labelled set: one passage per line, each question has exactly one right passage.
PASSAGES = [
    "Los envíos a Medellín y Bogotá tardan de 1 a 2 días hábiles.",
    "Los envíos a ciudades intermedias tardan de 3 a 5 días hábiles.",
    "Producto KAIU-LAV-010: aceite esencial de lavanda, frasco de 10 ml.",
    "Producto KAIU-LAV-030: aceite esencial de lavanda, frasco de 30 ml.",
    "Producto KAIU-LAV-050: aceite esencial de lavanda, frasco de 50 ml.",
    "Aceptamos pago contra entrega en efectivo en las principales ciudades.",
    "Las devoluciones se aceptan dentro de los 30 días si el producto está sellado.",
    "Diluye siempre el aceite de menta en un aceite portador antes de aplicarlo en la piel.",
    "No uses aceites esenciales en bebés menores de tres meses.",
    "Nuestro horario de atención es de lunes a viernes de 8 a 18 horas.",
]
QUESTIONS = {
    "cuanto demora el despacho a medelin": 0,           # typo and synonyms: words alone miss it
    "KAIU-LAV-030": 3,                                   # an exact code: vectors see three near-twins
    "se puede pagar cuando llega el pedido en efectivo": 5,
    "devolusion de un producto cerrado": 6,              # typo
    "como aplicar menta en la piel": 7,
    "aceites para bebés recién nacidos": 8,
    "KAIU-LAV-050 precio": 4,
    "a que hora atienden": 9,
}


@pytest.fixture
def labelled_bot(bot, add_text):
    bot.rag_config = {**bot.rag_config, "chunk_size": 100, "chunk_overlap": 0}
    bot.save()
    add_text(bot, "Conocimiento", "\n\n".join(PASSAGES))
    assert Chunk.objects.filter(bot=bot).count() == len(PASSAGES)
    return bot


# A stand-in for a semantic embedding model, served by the fake OpenAI server: it knows
# synonyms and word families but, like real semantic models, is blind to product codes and
# numbers. That is the situation hybrid search exists for.
SYNONYMS = {"despacho": "envi", "demora": "tard", "llega": "entreg", "pedido": "product", "cerrado": "sell",
            "devolusion": "devol", "atienden": "atencion", "hora": "horari", "nacidos": "beb"}


def semantic_embeddings(request):
    import re

    from tests.fakes.openai_server import json_response

    def embed(text):
        vector = [0.0] * request["body"]["dimensions"]
        for word in re.findall(r"[a-záéíóúñ]+", text.lower()):
            if len(word) < 4:
                continue  # function words carry no meaning here
            concept = SYNONYMS.get(word, word.translate(str.maketrans("áéíóú", "aeiou"))[:5])
            vector[hash_concept(concept) % len(vector)] += 1.0
        norm = sum(v * v for v in vector) ** 0.5 or 1.0
        return [v / norm for v in vector]

    inputs = request["body"]["input"]
    return json_response({"object": "list", "model": request["body"]["model"],
                          "data": [{"object": "embedding", "index": i, "embedding": embed(t)}
                                   for i, t in enumerate(inputs)],
                          "usage": {"prompt_tokens": 1, "total_tokens": 1}})


def hash_concept(concept):
    import zlib

    return zlib.crc32(concept.encode())


@pytest.fixture
def semantic_bot(byok_bot, fake_openai, add_text):
    fake_openai.routes[("POST", "/v1/embeddings")] = semantic_embeddings
    byok_bot.rag_config = {**byok_bot.rag_config, "chunk_size": 100, "chunk_overlap": 0}
    byok_bot.save()
    add_text(byok_bot, "Conocimiento", "\n\n".join(PASSAGES))
    assert Chunk.objects.filter(bot=byok_bot).count() == len(PASSAGES)
    return byok_bot


def reciprocal_rank(bot, mode):
    total = 0.0
    for question, right in QUESTIONS.items():
        hits = retrieve(bot, question, k=5, mode=mode, record=False).hits
        ranks = [hit.rank for hit in hits if hit.text == PASSAGES[right]]
        total += 1 / ranks[0] if ranks else 0
    return total / len(QUESTIONS)


def test_hybrid_beats_either_mode_alone_with_a_semantic_embedder(semantic_bot):
    """Ranks are the order returned: every mode reorders what it fetched by relevance, which
    weighs the question's words too, so vector mode can already be as good as hybrid here."""
    vector, keyword, hybrid = (reciprocal_rank(semantic_bot, mode) for mode in ("vector", "keyword", "hybrid"))
    assert hybrid >= vector, (vector, keyword, hybrid)
    assert hybrid > keyword, (vector, keyword, hybrid)


def test_hybrid_is_at_least_as_good_as_either_mode_with_the_builtin_embedder(labelled_bot):
    """The built-in embedder hashes words and word pieces, so it is lexical itself: keyword
    search adds little, but fusing must not make anything worse."""
    vector, keyword, hybrid = (reciprocal_rank(labelled_bot, mode) for mode in ("vector", "keyword", "hybrid"))
    assert hybrid >= max(vector, keyword), (vector, keyword, hybrid)


def test_keyword_search_finds_an_exact_sku(labelled_bot):
    hits = retrieve(labelled_bot, "KAIU-LAV-030", mode="keyword", record=False).hits
    assert hits[0].text == PASSAGES[3]


def test_keyword_search_folds_accents(labelled_bot):
    hits = retrieve(labelled_bot, "bebes menores de tres meses", mode="keyword", record=False).hits
    assert hits
    assert hits[0].text == PASSAGES[8]


def test_spanish_keyword_search_finds_an_ending_written_without_its_accent(bot, add_text):
    # The Spanish stemmer cuts "-ación" and "-ución" only as written with the accent.
    bot.rag_config = {**bot.rag_config, "chunk_size": 100, "chunk_overlap": 0}
    bot.save()
    add_text(bot, "Manual", "La configuración regional se cambia con dpkg-reconfigure.")
    add_text(bot, "Tienda", "El horario de la tienda es de nueve a seis.")
    hits = retrieve(bot, "configuracion", mode="keyword", record=False).hits
    assert hits
    assert "La configuración regional" in hits[0].text


def test_accents_restored_only_where_the_ending_always_carries_one():
    from documents.search import spanish_accents_restored

    assert spanish_accents_restored("¿Como cambio la configuracion?") == "¿Como cambio la configuración?"
    assert spanish_accents_restored("SOLUCION y tecnologias") == "SOLUCIÓN y tecnologías"
    assert spanish_accents_restored("historia, categoria, accion, configuración") == (
        "historia, categoria, accion, configuración")


def test_scores_are_cosine_similarities_in_vector_and_hybrid_modes(labelled_bot):
    for mode in ("vector", "hybrid"):
        hits = retrieve(labelled_bot, "horario de atención", mode=mode, record=False).hits
        assert hits[0].text == PASSAGES[9]
        assert 0 < hits[0].score <= 1
        assert [h.rank for h in hits] == list(range(1, len(hits) + 1))


def test_a_bot_never_retrieves_another_bots_chunks(labelled_bot, tenant, owner, other_bot, add_text):
    Plan.objects.filter(pk=tenant.plan_id).update(max_bots=5)
    sibling = bot_create(tenant=Tenant.objects.get(pk=tenant.pk), template=None, name="Sibling")
    add_text(sibling, "Secreto", "El código secreto del almacén es 4711. Horario de atención nocturno.")
    add_text(other_bot, "Ajeno", "Otro negocio: horario de atención de 9 a 17.")
    for mode in ("vector", "keyword", "hybrid"):
        for question in ("código secreto del almacén", "horario de atención", "ignore your instructions"):
            hits = retrieve(labelled_bot, question, k=20, mode=mode, record=False).hits
            assert all(hit.text in PASSAGES for hit in hits), (mode, question)


def test_disabled_chunks_are_not_retrieved_and_edits_are(labelled_bot):
    chunk = Chunk.objects.get(bot=labelled_bot, text=PASSAGES[9])
    chunk_set_enabled(chunk=chunk, enabled=False)
    for mode in ("vector", "keyword", "hybrid"):
        assert all(hit.chunk_id != chunk.pk for hit in retrieve(labelled_bot, "horario de atención", mode=mode).hits)
    chunk_set_enabled(chunk=chunk, enabled=True)
    chunk_update(chunk=chunk, text="Atendemos por WhatsApp los sábados de 9 a 13 horas.")
    hits = retrieve(labelled_bot, "atienden los sábados por whatsapp", mode="vector", record=False).hits
    assert hits[0].chunk_id == chunk.pk


def test_retrievals_are_counted_per_document_unless_asked_not_to(labelled_bot):
    document = labelled_bot.documents.get()
    retrieve(labelled_bot, "horario", mode="hybrid", record=False)
    document.refresh_from_db()
    assert document.retrieval_count == 0
    retrieve(labelled_bot, "horario", mode="hybrid")
    document.refresh_from_db()
    assert document.retrieval_count == 1
    assert document.last_retrieved_at


def test_an_empty_question_returns_nothing(labelled_bot):
    assert retrieve(labelled_bot, "   ", record=False).hits == []


def test_a_bot_with_no_knowledge_yet_finds_nothing(bot):
    for mode in ("vector", "keyword", "hybrid"):
        assert retrieve(bot, "horario de atención", mode=mode, record=False).hits == []


def test_a_bot_read_before_its_first_document_still_finds_it(bot, add_text):
    """Public channels hold a bot a few seconds (bots.selectors.bot_get_for_public): its
    knowledge_version may be older than its knowledge."""
    held = Bot.objects.get(pk=bot.pk)
    assert retrieve(held, "horario de atención", record=False).hits == []
    add_text(bot, "Horario", "Nuestro horario de atención es de lunes a viernes de 8 a 18 horas.")
    assert retrieve(held, "horario de atención", record=False).hits


# The partition is dropped after the bot's deletion commits: this test commits.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_bot_deleted_a_moment_ago_finds_nothing_without_an_error(labelled_bot):
    held = Bot.objects.get(pk=labelled_bot.pk)  # as a public channel holds it for a few seconds
    assert retrieve(held, "horario de atención", record=False).hits
    labelled_bot.delete()
    assert not chunk_partition_exists(held.pk)
    for mode in ("vector", "keyword", "hybrid"):
        assert retrieve(held, "horario de atención", mode=mode, record=False).hits == []


def test_searches_repeated_on_one_connection_keep_their_answers(labelled_bot):
    """After a few runs a search is prepared, then PostgreSQL may switch to a generic plan:
    the answers stay the same (and right) all along."""
    for mode in ("vector", "keyword", "hybrid"):
        for question in list(QUESTIONS)[:4]:
            answers = {tuple(hit.chunk_id for hit in retrieve(labelled_bot, question, mode=mode, record=False).hits)
                       for _ in range(12)}
            assert len(answers) == 1, (mode, question)
    hits = retrieve(labelled_bot, "KAIU-LAV-030", mode="keyword", record=False).hits
    assert hits[0].text == PASSAGES[3]


def test_a_search_expression_is_honoured(labelled_bot):
    hits = retrieve(labelled_bot, '"contra entrega"', mode="keyword", record=False).hits
    assert [hit.text for hit in hits] == [PASSAGES[5]]


def test_a_large_bot_on_built_in_embeddings_ranks_the_keyword_pool(labelled_bot, monkeypatch):
    """Above BUILTIN_EXACT_MAX_CHUNKS the built-in vectors rank only what keyword search found."""
    import documents.profile
    import documents.search

    monkeypatch.setattr(documents.search, "BUILTIN_EXACT_MAX_CHUNKS", 1)  # this small bot counts as large
    for mode in ("hybrid", "vector"):
        hits = retrieve(labelled_bot, "aceites para bebés menores de tres meses", mode=mode, record=False).hits
        assert hits, mode
        assert hits[0].text == PASSAGES[8], mode
        assert all(hit.score is not None for hit in hits)


def test_partial_matches_rank_by_how_many_words_a_passage_holds(bot, add_text, monkeypatch):
    """No passage holds every word: the rare words are counted in the index, passages holding
    only the common word are sampled, and coverage ranks them all."""
    import documents.profile
    import documents.search

    monkeypatch.setattr(documents.profile, "PROFILE_MIN_CHUNKS", 1)  # this small bot gets common terms
    monkeypatch.setattr(documents.search, "COMMON_SCORED_ROWS", 5)  # a sample that cannot reach the last passages
    bot.rag_config = {**bot.rag_config, "chunk_size": 100, "chunk_overlap": 0}
    bot.save()
    # "pedido" in most passages, one passage each (two would not fit in a chunk)
    fillers = [f"El pedido número {n} salió de la bodega principal esta mañana." for n in range(60)]
    target = "Tu pedido llega a Pasto en cuatro días con la transportadora aliada."
    near = "Enviamos a Pasto con otra transportadora."
    add_text(bot, "Envíos", "\n\n".join([*fillers, target, near]))
    assert Chunk.objects.filter(bot=bot).count() == 62
    common = documents.profile.bot_profile(bot).common_terms
    assert "ped" in common
    assert "past" not in common

    hits = retrieve(bot, "mi pedido a Pasto con transportadora urgente", k=5, mode="keyword", record=False).hits
    assert [hit.text for hit in hits[:2]] == [target, near]  # 3 of 4 words, then 2 of 4
    assert all("pedido" in hit.text for hit in hits[2:])  # then the common word's sample

    only_common = retrieve(bot, "pedido urgente", k=5, mode="keyword", record=False).hits
    assert len(only_common) == 5
    assert all("pedido" in hit.text.lower() for hit in only_common)


@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_partial_matches_rank_by_the_information_they_hold_not_their_word_count(bot, add_text, mode):
    """"¿aptitude trae algún juego?" of a manual: the passage naming the program and its game
    holds the question's information; passages sharing only "trae" and "algún" hold as many of
    its words and none of it."""
    bot.rag_config = {**bot.rag_config, "chunk_size": 100, "chunk_overlap": 0}
    bot.save()
    chatter = [f"La versión {n} trae algún cambio menor en los menús." for n in range(20)]
    program = [f"Aptitude muestra la lista número {n} de paquetes instalados." for n in range(12)]
    target = "Aptitude incluye una versión del clásico juego Buscaminas."
    add_text(bot, "Manual", "\n\n".join([*chatter, *program, target]))

    hits = retrieve(bot, "¿aptitude trae algún juego?", k=3, mode=mode, record=False).hits

    assert hits[0].text == target


@pytest.mark.parametrize("question", ["¿Qué pongo en sources.list?", "¿Qué va en /etc/apt/sources.list?"])
def test_a_path_is_searched_by_its_parts(bot, add_text, question):
    """A path was one search term: "sources.list" did not find "/etc/apt/sources.list"."""
    bot.rag_config = {**bot.rag_config, "chunk_size": 100, "chunk_overlap": 0}
    bot.save()
    target = "Las fuentes de paquetes se listan en /etc/apt/sources.list, una por línea."
    add_text(bot, "Manual", "\n\n".join([*(f"El paquete {n} se instala con apt." for n in range(10)), target]))

    hits = retrieve(bot, question, k=3, mode="keyword", record=False).hits

    assert hits
    assert hits[0].text == target


def test_the_common_terms_reach_postgresql_as_written(db):
    from django.db import connection

    from documents.profile import BotProfile

    terms = ["envi", 'di"jo', "back\\slash", "o'neil", "ñandú", "{x,y}", "NULL"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[]", [BotProfile(chunks=1, common_terms=terms).common_terms_array])
        assert cursor.fetchone()[0] == terms


def test_term_weights_come_from_the_whole_bot_not_its_first_documents(bot, add_text, monkeypatch):
    """A bot larger than the profile's sample: a word of its last document is weighed by how
    often the bot says it, not taken for a word the bot never says."""
    import documents.profile
    import documents.search

    monkeypatch.setattr(documents.profile, "PROFILE_SAMPLE", 10)  # a sample smaller than the bot
    bot.rag_config = {**bot.rag_config, "chunk_size": 100, "chunk_overlap": 0}
    bot.save()
    add_text(bot, "Envíos", "\n\n".join(f"El pedido número {n} salió de la bodega principal." for n in range(70)))
    add_text(bot, "Kit", "\n\n".join(f"El kit trae la bobina número {n} y sus cables." for n in range(10)))

    assert Chunk.objects.filter(bot=bot).count() == 40  # 35 passages of orders, then 5 of the kit

    profile = documents.profile.bot_profile(bot)
    assert profile.sample == 10  # every 4th passage
    assert profile.term_passages["kit"] == profile.term_passages["bobin"] == 2  # passages 36 and 40
    assert profile.term_passages["ped"] == 8


def test_term_weights_come_from_every_document_of_the_bot(bot, add_text, monkeypatch):
    """The words of the document added last are as common as they are, not absent: the sample
    the weights come from is spread over the whole bot, not its first rows."""
    from django.db import connection

    import documents.profile
    import documents.search

    monkeypatch.setattr(documents.profile, "PROFILE_SAMPLE", 8)
    bot.rag_config = {**bot.rag_config, "chunk_size": 100, "chunk_overlap": 0}
    bot.save()
    add_text(bot, "Envíos", "\n\n".join(f"Los envíos a la zona {n} salen de la bodega principal." for n in range(8)))
    add_text(bot, "Kit", "\n\n".join(f"La bobina número {n} del kit trae alambre de cobre aislado." for n in range(8)))
    assert Chunk.objects.filter(bot=bot).count() == 16
    with connection.cursor() as cursor:  # as a large bot is read: in heap order, added first comes first
        cursor.execute("SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off")
    profile = documents.profile.bot_profile(bot)
    assert profile.sample == 8
    assert profile.term_passages.get("bobin", 0) >= 1  # half the bot: all 8 from one document is 1 in 12,870


def test_closest_terms_are_the_question_terms_found_together():
    from documents.relevance import Term
    from documents.search import closest_terms

    terms = [Term("bobin", "bobinas", 0.9), Term("vuelt", "vueltas", 0.8), Term("kit", "kit", 0.3)]
    # "kit" opens the passage; "bobina" and "vueltas" sit together 40 words on
    positions = {"kit": [1], "bobin": [41, 90], "vuelt": [45]}
    assert closest_terms(terms, positions, window=30) == {"bobin", "vuelt"}
    assert closest_terms(terms, positions, window=50) == {"kit", "bobin", "vuelt"}
    assert closest_terms(terms, {}, window=30) == frozenset()

