"""Curated answers: matched to paraphrases with the answerability signals, never to a question
about another name or number; added and edited directly; shown rendered."""

import pytest

from chat.curated import curated_answer_create
from chat.models import CuratedAnswer


@pytest.fixture
def tea_bot(bot, add_text, tenant):
    tenant.language = "en"
    tenant.save()
    bot.language = "en"
    bot.save()
    add_text(bot, "Teas", "# Green teas\nSencha Kirishima is a deep-steamed green tea from Kagoshima.\n\n"
                          "Sencha Uji is a classic green tea from Kyoto.\n\n# Shipping\nWe ship to Sweden and Norway.")
    bot.refresh_from_db()
    curated_answer_create(bot=bot, question="What is the price of Sencha Kirishima?",
                          answer="Sencha Kirishima costs **129 SEK** per 100 g.")
    return bot


@pytest.mark.parametrize("question", [
    "How much does Sencha Kirishima cost?",
    "what's the price of sencha kirishima",
    "Sencha Kirishima price?",
])
def test_a_paraphrase_gets_the_curated_answer(tea_bot, ask, question):
    text, message = ask(tea_bot, question)
    assert message.origin == "curated", question
    assert "129 SEK" in text


@pytest.mark.parametrize("question", [
    "What is the price of Sencha Uji?",
    "Where does Sencha Kirishima come from?",
    "Do you ship to Denmark?",
])
def test_another_product_or_question_does_not_get_it(tea_bot, ask, question):
    _, message = ask(tea_bot, question)
    assert message.origin != "curated", question


def test_strict_serves_only_close_rewordings(tea_bot, ask):
    tea_bot.rag_config = {**tea_bot.rag_config, "curated_certainty": "strict"}
    tea_bot.save()
    assert ask(tea_bot, "what's the price of sencha kirishima")[1].origin == "curated"
    assert ask(tea_bot, "How much does Sencha Kirishima cost?")[1].origin != "curated"


def test_a_curated_answer_is_added_edited_and_listed_rendered(owner_client, shop_bot, ask):
    response = owner_client.post("/app/answers/new/", {
        "bot": shop_bot.public_id, "question": "¿Hacen envíos a Cali?", "answer": "Sí, a **Cali** en 3 días."})
    assert response.status_code == 302
    answer = CuratedAnswer.objects.get()
    page = owner_client.get("/app/answers/").content.decode()
    assert "<strong>Cali</strong>" in page
    assert "**Cali**" not in page
    owner_client.post(f"/app/answers/{answer.pk}/", {
        "question": "¿Hacen envíos a Cali?", "answer": "Sí, en 2 días.", "is_enabled": "on"})
    assert ask(shop_bot, "hacen envios a cali")[0] == "Sí, en 2 días."
    owner_client.post(f"/app/answers/{answer.pk}/", {"question": "¿Hacen envíos a Cali?", "answer": "Sí, en 2 días."})
    assert ask(shop_bot, "hacen envios a cali")[1].origin != "curated"


def test_another_tenants_curated_answer_is_404(client, outsider, shop_bot, other_tenant):
    answer = curated_answer_create(bot=shop_bot, question="¿Hacen envíos?", answer="Sí.")
    client.force_login(outsider)
    assert client.get(f"/app/answers/{answer.pk}/").status_code == 404
    assert client.post(f"/app/answers/{answer.pk}/", {"question": "x", "answer": "y"}).status_code == 404
    response = client.post("/app/answers/new/", {"bot": shop_bot.public_id, "question": "x", "answer": "y"})
    assert response.status_code == 200  # the bot is not one of theirs: the form refuses it
    assert CuratedAnswer.objects.count() == 1
