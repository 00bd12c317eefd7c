"""Knowledge gaps: similar unanswered questions are one row, and answering it from the page
makes the next such question answered (through the real reply flow) and the row go away."""

import itertools

import pytest

from chat.analytics import period_for
from chat.gaps import gap_list
from chat.models import QueryLog
from chat.services import conversation_start

FORTY = [f"{opener} {middle}{end}" for opener, middle, end in itertools.product(
    ["¿Hacen", "¿Tienen", "Hola, ¿hacen", "Buenas tardes, ¿tienen", "Quiero saber si hacen"],
    ["envíos a Leticia", "envío a Leticia", "envios hasta Leticia", "ENVÍOS para Leticia"],
    ["?", " por favor?"])]


def unanswered(bot, questions, **fields):
    conversation = conversation_start(bot=bot, channel="PAGE")
    QueryLog.objects.bulk_create([
        QueryLog(tenant_id=bot.tenant_id, bot=bot, conversation=conversation, channel="PAGE", question=q,
                 **{"origin": "unknown", "answered": False, **fields}) for q in questions])


@pytest.mark.django_db
def test_forty_ways_of_asking_the_same_thing_are_one_gap(tenant, bot, other_bot):
    assert len(set(FORTY)) == 40
    unanswered(bot, FORTY)
    unanswered(bot, ["¿Venden tarjetas de regalo?", "venden tarjetas regalo", "¿Tienen tarjetas de regalo?"])
    unanswered(bot, ["¿Cuál es el horario del domingo?"], origin="model", answered=True, top_score=0.1)
    unanswered(bot, ["¿Puedo pagar con Nequi?"], origin="model", answered=True, top_score=0.9)  # answered well
    unanswered(bot, ["¿Qué pasó?"], origin="error")  # a provider's failure is no knowledge gap
    unanswered(other_bot, FORTY)  # another tenant's
    gaps = gap_list(tenant, period_for(tenant, days=7))
    assert [(g.count, g.unanswered) for g in gaps] == [(40, 40), (3, 3), (1, 0)]
    shipping, gift, sunday = gaps
    assert len(shipping.phrasings) <= 40
    assert sum(p["count"] for p in shipping.phrasings) == 40
    assert "leticia" in shipping.key
    assert gift.question.lower().startswith(("¿venden", "venden", "¿tienen"))
    assert sunday.question == "¿Cuál es el horario del domingo?"
    assert all(g.bot == bot for g in gaps)


@pytest.mark.django_db
def test_the_gaps_page_reads_a_fixed_number_of_queries(owner_client, bot, django_assert_max_num_queries):
    unanswered(bot, FORTY[:5])
    with django_assert_max_num_queries(14) as few:
        assert owner_client.get("/app/analytics/gaps/").status_code == 200
    unanswered(bot, FORTY * 5 + [f"¿Pregunta distinta número {n} sobre {w}?" for n, w in enumerate("abcdefghij")])
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = owner_client.get("/app/analytics/gaps/").content.decode()
    assert "Add an answer" in page


@pytest.mark.django_db
def test_add_an_answer_makes_the_next_such_question_answered_and_the_gap_go(owner_client, tenant, shop_bot, ask):
    for question in ["¿Tienen tienda física en Cartagena?", "tienen tienda fisica en cartagena",
                     "¿Hay una tienda física en Cartagena?"]:
        _, message = ask(shop_bot, question)
        assert not message.answered, message.content
    [gap] = gap_list(tenant, period_for(tenant, days=7))
    assert (gap.count, len(gap.phrasings)) == (3, 2)

    response = owner_client.post("/app/analytics/gaps/fix/", {
        "bot": shop_bot.public_id, "key": gap.keys, "question": gap.question, "range": "7",
        "answer": "No tenemos tienda física: vendemos en línea y enviamos a Cartagena en 3 a 5 días."})
    assert response.status_code == 302
    assert response["Location"] == "/app/analytics/gaps/?range=7"
    assert gap_list(tenant, period_for(tenant, days=7)) == []
    assert "No gaps in this range" in owner_client.get("/app/analytics/gaps/").content.decode()

    text, message = ask(shop_bot, "¿Tienen una tienda física en Cartagena?")
    assert message.answered
    assert message.origin == "curated"
    assert text.startswith("No tenemos tienda física")
    assert gap_list(tenant, period_for(tenant, days=7)) == []


@pytest.mark.django_db
def test_a_gap_cannot_be_fixed_for_another_tenants_bot(owner_client, other_bot):
    response = owner_client.post("/app/analytics/gaps/fix/", {
        "bot": other_bot.public_id, "key": ["x"], "question": "¿x?", "answer": "y"})
    assert response.status_code == 404
    from chat.models import CuratedAnswer, GapFix

    assert not CuratedAnswer.objects.filter(bot=other_bot).exists()
    assert not GapFix.objects.exists()


@pytest.mark.django_db
def test_the_gaps_are_those_of_the_newest_open_questions_only(tenant, bot, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from chat import gaps
    from chat.models import GapFix

    monkeypatch.setattr(gaps, "MAX_ROWS", 10)
    unanswered(bot, ["¿Venden tarjetas de regalo?"] * 8)
    QueryLog.objects.update(created_at=timezone.now() - timedelta(days=2))  # the oldest
    unanswered(bot, ["¿Hacen envíos a Leticia?"] * 6)
    unanswered(bot, ["¿Abren el domingo?"] * 4)
    # Capped at the newest 10: the Leticia and Sunday ones; the gift cards fall out.
    assert [(g.count, g.key) for g in gap_list(tenant, period_for(tenant, days=7))] == [
        (6, "hacen envios a leticia"), (4, "abren el domingo")]
    # Fixed questions do not take places in the cap: the gift cards come back.
    GapFix.objects.create(tenant=tenant, bot=bot, key="hacen envios a leticia", fixed_at=timezone.now())
    assert [(g.count, g.key) for g in gap_list(tenant, period_for(tenant, days=7))] == [
        (6, "venden tarjetas de regalo"), (4, "abren el domingo")]
