"""Answers a customer can trust: "I don't know" with its reason when the documents do not
hold the answer, follow-ups made standalone, the model's own "not in the passages", and
citations numbered 1..n."""


import pytest

from chat.models import Message, QueryLog
from tests.fakes.openai_server import json_response


def test_a_city_the_documents_never_mention_gets_i_dont_know_with_the_reason(shop_bot, ask):
    text, message = ask(shop_bot, "¿Hacen envíos a Pereira?")
    assert text.startswith("No encontré esa información")
    assert message.answered is False
    assert message.sources == []
    assert message.note == "not found: “Pereira”"
    assert QueryLog.objects.get(message=message).reason.startswith("not found")


def test_a_question_the_documents_answer_is_answered(shop_bot, ask):
    text, message = ask(shop_bot, "¿Cuánto tarda el envío a Cali?")
    assert message.answered
    assert "3 a 5 días" in text


@pytest.mark.parametrize("question", [
    "¿Cuál es la política de privacidad de datos?",
    "¿Quién ganó el mundial de fútbol de 1986?",
    "¿Cuántos empleados tiene la empresa?",
])
def test_questions_outside_the_documents_are_refused(shop_bot, ask, question):
    _, message = ask(shop_bot, question)
    assert message.answered is False, message.content
    assert message.note


def test_a_follow_up_carries_the_earlier_question_offline(shop_bot, ask):
    _, first = ask(shop_bot, "¿Hacen envíos a Cali?")
    text, follow_up = ask(shop_bot, "¿Y cuánto tarda?", conversation=first.conversation)
    assert follow_up.answered
    assert "3 a 5 días" in text
    assert "searched as" in follow_up.note


def test_a_follow_up_about_a_place_the_documents_do_not_list_is_not_answered(shop_bot, ask):
    _, first = ask(shop_bot, "¿Hacen envíos a Dinamarca?")
    _, follow_up = ask(shop_bot, "¿Y cuánto tarda?", conversation=first.conversation)
    assert follow_up.answered is False
    assert "Dinamarca" in follow_up.note


def test_a_short_question_keeps_to_the_place_named_before(shop_bot, ask):
    """No pointing word, no continuation: still about the place the visitor named."""
    _, first = ask(shop_bot, "¿Hacen envíos a Dinamarca?")
    _, follow_up = ask(shop_bot, "¿Cuánto tarda el envío?", conversation=first.conversation)
    assert follow_up.answered is False, follow_up.note
    assert follow_up.note.startswith("not found: “Dinamarca”"), follow_up.note

    _, first = ask(shop_bot, "¿Hacen envíos a Cali?")
    text, follow_up = ask(shop_bot, "¿Cuánto tarda el envío?", conversation=first.conversation)
    assert follow_up.answered
    assert "3 a 5 días" in text


def test_a_question_naming_its_own_subject_carries_nothing(shop_bot, ask):
    _, first = ask(shop_bot, "¿Hacen envíos a Dinamarca?")
    text, follow_up = ask(shop_bot, "¿Aceptan Nequi?", conversation=first.conversation)
    assert follow_up.answered
    assert "Nequi" in text
    assert "searched as" not in follow_up.note


def test_the_chat_model_rewrites_a_follow_up_before_retrieval(llm_bot, ask, fake_openai):
    from tests.fakes.openai_server import chat_handler

    answer = chat_handler(pieces=("Tarda de 3 a 5 días hábiles [1].",))

    def handler(request):
        system = request["body"]["messages"][0]["content"]
        if system.startswith("Rewrite the user's last question"):
            return json_response({"id": "x", "object": "chat.completion", "created": 1, "model": "m", "choices": [
                {"index": 0, "message": {"role": "assistant", "content": "¿Cuánto tarda el envío a Cali?"},
                 "finish_reason": "stop"}], "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10}})
        return answer(request)

    fake_openai.routes[("POST", "/v1/chat/completions")] = handler
    _, first = ask(llm_bot, "¿Hacen envíos a Cali?")
    text, follow_up = ask(llm_bot, "¿Y eso cuánto tarda?", conversation=first.conversation)
    assert follow_up.answered
    assert "searched as “¿Cuánto tarda el envío a Cali?”" in follow_up.note
    assert "3 a 5 días" in text


def test_the_models_not_in_passages_is_an_unanswered_i_dont_know(llm_bot, ask, fake_openai):
    from tests.fakes.openai_server import chat_handler

    fake_openai.routes[("POST", "/v1/chat/completions")] = chat_handler(pieces=("NOT_IN", "_PASSAGES",))
    text, message = ask(llm_bot, "¿Cuánto tarda el envío a Cali?")
    assert "NOT_IN" not in text
    assert text.startswith("No encontré esa información")
    assert message.answered is False
    assert message.sources == []
    assert QueryLog.objects.get(message=message).reason == "the model found no answer in the passages"


def test_the_rules_ask_the_model_for_the_marker(llm_bot, ask, fake_openai):
    ask(llm_bot, "¿Cuánto tarda el envío a Cali?")
    system = [r for r in fake_openai.requests if r["path"] == "/v1/chat/completions"][-1]["body"]["messages"][0]
    assert "NOT_IN_PASSAGES" in system["content"]


def test_citations_are_renumbered_in_the_order_they_appear(llm_bot, ask, fake_openai):
    from tests.fakes.openai_server import chat_handler

    fake_openai.routes[("POST", "/v1/chat/completions")] = chat_handler(
        pieces=("Pagas contra entrega [", "2]. Tarda 3 a 5 días [", "1]."))
    text, message = ask(llm_bot, "¿Cuánto tarda el envío a Cali y puedo pagar contra entrega?")
    assert "[1]" in text
    assert "[2]" in text
    assert text.index("[1]") < text.index("[2]")
    cited = [source for source in message.sources if source["cited"]]
    assert [source["n"] for source in cited] == [1, 2]
    assert [source["n"] for source in message.sources] == sorted(source["n"] for source in message.sources)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_api_continues_a_conversation_by_its_id(shop_bot, tenant, owner, live_server):
    import openai

    from kaiu.accounts.services import api_key_create

    secret = api_key_create(tenant=tenant, name="Tests", created_by=owner).secret
    client = openai.OpenAI(api_key=secret, base_url=f"{live_server.url}/api/v1", max_retries=0)
    first = client.chat.completions.create(
        model=shop_bot.public_id, messages=[{"role": "user", "content": "¿Hacen envíos a Cali?"}])
    conversation = first.model_extra["kaiu"]["conversation"]
    follow_up = client.chat.completions.create(
        model=shop_bot.public_id, messages=[{"role": "user", "content": "¿Y cuánto tarda?"}],
        extra_body={"conversation": conversation})
    assert follow_up.model_extra["kaiu"]["conversation"] == conversation
    assert "3 a 5 días" in follow_up.choices[0].message.content
    assert Message.objects.filter(conversation_id=conversation).count() == 4
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model=shop_bot.public_id, messages=[{"role": "user", "content": "Hola"}],
                                       extra_body={"conversation": "00000000-0000-0000-0000-000000000000"})


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_api_follows_a_multi_turn_messages_list(shop_bot, tenant, owner, live_server):
    import openai

    from kaiu.accounts.services import api_key_create

    secret = api_key_create(tenant=tenant, name="Tests", created_by=owner).secret
    client = openai.OpenAI(api_key=secret, base_url=f"{live_server.url}/api/v1", max_retries=0)
    completion = client.chat.completions.create(model=shop_bot.public_id, messages=[
        {"role": "user", "content": "¿Hacen envíos a Dinamarca?"},
        {"role": "assistant", "content": "No encontré esa información en mis documentos."},
        {"role": "user", "content": "¿Y cuánto tarda?"}])
    assert completion.model_extra["kaiu"]["answered"] is False


def test_the_transcript_shows_why_a_question_was_not_answered(shop_bot, ask, owner_client):
    _, message = ask(shop_bot, "¿Hacen envíos a Pereira?")
    page = owner_client.get(f"/app/conversations/{message.conversation_id}/").content.decode()
    assert "not found: “Pereira”" in page


def test_the_playground_and_test_retrieval_show_the_same_relevance(shop_bot, owner_client):
    import re

    from tests.chat.test_web import read_events

    question = "¿Cuánto tarda el envío a Cali?"
    events = read_events(owner_client.post(f"/app/playground/{shop_bot.public_id}/messages/",
                                           {"message": question}, content_type="application/json"))
    source = events[-1][1]["sources"][0]
    page = owner_client.get(f"/app/knowledge/{shop_bot.public_id}/test/", {"q": question, "mode": "hybrid", "k": 5})
    shown = re.findall(r"relevance <strong>(\d+)%</strong>", page.content.decode())
    assert shown[0] == str(round(source["score"] * 100))
    transcript = owner_client.get(f"/app/conversations/{Message.objects.first().conversation_id}/").content.decode()
    assert f"relevance {shown[0]}%" in transcript


def test_test_retrieval_says_when_the_bot_would_not_answer(shop_bot, owner_client):
    page = owner_client.get(f"/app/knowledge/{shop_bot.public_id}/test/", {"q": "¿Hacen envíos a Pereira?",
                                                                          "mode": "hybrid", "k": 5})
    assert "The bot would say it does not know: not found: “Pereira”." in page.content.decode()


@pytest.mark.parametrize(("question", "missing"), [
    ("¿Cuánto pesa un aceite esencial?", "pesa"),
    ("¿Qué garantía tienen los aceites esenciales?", "garantía"),
])
def test_an_attribute_the_passages_never_state_is_not_answered(shop_bot, ask, question, missing):
    """The passages know the thing well (essential oils) but say nothing of what is asked."""
    _, message = ask(shop_bot, question)
    assert message.answered is False
    assert f"“{missing}”" in message.note


@pytest.mark.parametrize(("question", "note"), [
    ("¿Puedo pagar con iPhone?", "not found: “iPhone”"),  # a name written with a capital inside
    ("¿Los envíos funcionan con Windows 11?", "not found: “Windows”, “11”"),  # a version goes with its name
    ("¿Cuál es el teléfono de la tienda?", "not found: “teléfono”"),  # contact details are an attribute
])
def test_names_versions_and_contact_details_the_passages_never_give_are_not_answered(shop_bot, ask, question, note):
    _, message = ask(shop_bot, question)
    assert message.answered is False, message.content
    assert message.note == note


def test_an_attribute_stated_only_of_other_things_is_not_answered(bot, add_text, ask):
    """The price of a product is no answer to the price of shipping."""
    bot.rag_config = {**bot.rag_config, "chunk_size": 220, "chunk_overlap": 0}
    bot.save()
    add_text(bot, "Lavanda", "El aceite esencial de lavanda de 10 ml cuesta $ 45.900.")
    add_text(bot, "Envíos", "Enviamos a Cali y Bogotá con Servientrega en 2 a 5 días hábiles.")
    text, message = ask(bot, "¿Cuánto cuesta el aceite de lavanda?")
    assert message.answered
    assert "45.900" in text

    _, message = ask(bot, "¿Cuánto cuesta el envío a Cali?")
    assert message.answered is False, message.content
    assert message.note == "not found: “cuesta” of “envío”"


def test_a_version_must_be_said_with_its_name(bot, add_text, ask):
    """"Windows" in one place and "11" in another do not say that Windows 11 works."""
    bot.rag_config = {**bot.rag_config, "chunk_size": 300, "chunk_overlap": 0}
    bot.save()
    add_text(bot, "Requisitos", "El programa funciona en Windows y en Linux. La versión 11 trae un instalador nuevo.")
    _, message = ask(bot, "¿Funciona con Windows 11?")
    assert message.answered is False, message.content
    assert message.note == "not found: “11”"

    add_text(bot, "Novedades", "Desde marzo el programa también funciona en Windows 11.")
    text, message = ask(bot, "¿Funciona con Windows 11?")
    assert message.answered
    assert "Windows 11" in text


def test_a_name_is_found_said_as_a_word_not_as_another_word_s_stem(bot, add_text, ask):
    """"Lima" is stemmed to "lim", as the "LIM" of a product's code is: that passage names no Lima."""
    bot.rag_config = {**bot.rag_config, "chunk_size": 100, "chunk_overlap": 0}  # a passage a paragraph
    bot.save()
    add_text(bot, "Políticas", "\n\n".join([
        "Enviamos a todo Colombia: Bogotá, Medellín y Cali en dos días hábiles.",
        "Los pedidos de fin de semana salen el lunes siguiente por la mañana.",
        "El envío es gratis en compras desde $150.000 a cualquier ciudad.",
        "Pagas con tarjeta de crédito, PSE o en efectivo contra entrega.",
        "Tienes 30 días calendario para devolver un producto sin abrir.",
        "Atendemos por WhatsApp de lunes a sábado de ocho a seis de la tarde.",
        "Los aceites esenciales se guardan en un lugar fresco, lejos del sol.",
        "Cada frasco de 10 ml trae su gotero y una tapa de seguridad infantil.",
        "No se recomienda usar aceites esenciales en niños menores de seis años."]))
    add_text(bot, "Catálogo", "Aceite esencial de limoncillo (10 ml). SKU: AE-LIM-10. Precio: $45.900.")
    _, message = ask(bot, "¿Hacen envíos a Lima?")
    assert message.answered is False, message.content
    assert message.note == "not found: “Lima”"
    # A name with a plural's ending is the same name: "Aceites" asks about the "aceite" sold.
    text, message = ask(bot, "¿Cuánto cuestan los Aceites de limoncillo?")
    assert message.answered, message.note
    assert "$45.900" in text
    # A name of several parts ("ExpEYES-17": lexemes "expeyes-17", "expeyes", "-17") is said by its parts.
    add_text(bot, "Difusor", "El difusor ExpEYES-17 funciona con un adaptador de 12 V incluido.")
    text, message = ask(bot, "¿Con qué adaptador funciona el ExpEYES-17?")
    assert message.answered, message.note
    assert "12 V" in text


def test_words_the_bot_never_says_raise_the_certainty_needed():
    """Its other words match well, but what is asked (the humidity) is in no passage: a match
    that would do for a question of known words is not enough."""
    from documents.relevance import Term, judge
    from documents.search import Hit

    terms = [Term("kit", "kit", 0.5), Term("med", "medir", 0.5), Term("humed", "humedad", 1.0)]

    def passage(*lexemes):
        return Hit(chunk_id=1, document_id="d", document_name="Manual", text="", metadata={}, rank=1, score=0.5,
                   lexemes=frozenset(lexemes), relevance=0.5)

    refused = judge(terms, [passage("kit", "med")], "balanced")
    assert refused.answerable is False
    assert refused.reason == "weak match: the best passage is 50% relevant, 52% needed (never said: “humedad”)"
    assert judge(terms, [passage("kit", "med", "humed")], "balanced").answerable


def test_words_saying_how_much_or_which_are_not_what_a_question_is_about():
    from documents.profile import BotProfile
    from documents.relevance import question_terms

    profile = BotProfile(chunks=0, common_terms=[])
    assert [t.word for t in question_terms("Does aptitude have anything like a game?", ["aptitud", "anyth", "like",
                                                                                        "game"], profile)] == [
        "aptitude", "like", "game"]
    assert [t.word for t in question_terms("¿aptitude trae algún juego?", ["aptitud", "algun", "jueg"], profile)] == [
        "aptitude", "juego"]


def test_a_name_the_bot_says_all_over_is_not_missing_but_a_rare_one_is():
    """"ExpEYES-17" in a manual about the kit: the best passages need not repeat it. "Medellín",
    which the bot hardly ever says, must be in them."""
    from documents.relevance import Term, judge
    from documents.search import Hit

    def passage(*lexemes):
        return Hit(chunk_id=1, document_id="d", document_name="Manual", text="", metadata={}, rank=1, score=0.5,
                   lexemes=frozenset(lexemes), relevance=0.8)

    common = [Term("voltag", "voltage", 0.5), Term("input", "inputs", 0.5), Term("expey", "ExpEYES", 0.4, entity=True)]
    assert judge(common, [passage("voltag", "input")], "balanced").answerable
    rare = [Term("envi", "envíos", 0.5), Term("medellin", "Medellín", 0.9, entity=True)]
    refused = judge(rare, [passage("envi")], "balanced")
    assert refused.answerable is False
    assert refused.reason == "not found: “Medellín”"
