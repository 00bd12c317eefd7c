"""Conversation history in the dashboard and "improve answer"."""

from chat.models import CuratedAnswer
from chat.services import feedback_set


def test_the_history_lists_and_filters_conversations(owner_client, shop_bot, ask):
    _, good = ask(shop_bot, "¿Cuánto tarda el envío a Cali?", channel="WIDGET")
    _, _unknown = ask(shop_bot, "¿Quién ganó el mundial de 1986?", channel="PAGE")
    feedback_set(message=good, rating=-1, comment="Faltó el precio")
    page = owner_client.get("/app/conversations/").content.decode()
    assert "¿Cuánto tarda el envío a Cali?" in page
    assert "¿Quién ganó el mundial" in page

    def titles(**filters):
        html = owner_client.get("/app/conversations/", filters).content.decode()
        return [q for q in ("¿Cuánto tarda", "¿Quién ganó") if q in html]

    assert titles(channel="WIDGET") == ["¿Cuánto tarda"]
    assert titles(unanswered="on") == ["¿Quién ganó"]
    assert titles(rating="-1") == ["¿Cuánto tarda"]
    assert titles(rating="1") == []
    assert "No conversation matches" in owner_client.get("/app/conversations/", {"rating": "1"}).content.decode()
    reversed_range = owner_client.get("/app/conversations/", {"since": "2026-05-02", "until": "2026-05-01"})
    assert "“From” is after “To”" in reversed_range.content.decode()
    assert titles(since="2026-05-02", until="2026-05-01") == []


def test_a_transcript_shows_sources_and_improve_answer_creates_a_curated_answer(owner_client, shop_bot, ask):
    _, message = ask(shop_bot, "¿Cuánto tarda el envío a Cali?")
    transcript = owner_client.get(f"/app/conversations/{message.conversation_id}/").content.decode()
    assert "Políticas de la tienda" in transcript
    assert "score" in transcript
    assert "Improve answer" in transcript
    improve = f"/app/conversations/{message.conversation_id}/messages/{message.pk}/improve/"
    form = owner_client.get(improve).content.decode()
    assert "¿Cuánto tarda el envío a Cali?" in form  # the question comes prefilled
    owner_client.post(improve, {"question": "¿Cuánto tarda el envío a Cali?", "answer": "Entre 3 y 5 días hábiles."})
    curated = CuratedAnswer.objects.get()
    assert curated.source_message == message
    assert curated.bot == shop_bot
    text, again = ask(shop_bot, "cuanto tarda el envio a cali")
    assert text == "Entre 3 y 5 días hábiles."
    assert again.origin == "curated"
    owner_client.post(f"/app/answers/{curated.pk}/delete/")
    assert not CuratedAnswer.objects.exists()


def test_support_staff_may_read_conversations_but_not_bots(client, shop_bot, ask, member_with_role):
    ask(shop_bot, "Hola")
    client.force_login(member_with_role("SUPPORT"))
    assert client.get("/app/conversations/").status_code == 200
    assert client.get(f"/app/playground/{shop_bot.public_id}/").status_code == 403


def test_whatsapp_conversations_can_be_filtered(owner_client, bot):
    from chat.services import conversation_start

    conversation_start(bot=bot, channel="WHATSAPP", visitor_id="573001234567")
    page = owner_client.get("/app/conversations/").content.decode()
    assert '<option value="WHATSAPP">WhatsApp</option>' in page
    filtered = owner_client.get("/app/conversations/", {"channel": "WHATSAPP"}).content.decode()
    assert "Select a valid choice" not in filtered


def test_the_words_a_follow_up_carried_are_told_apart_from_its_own():
    from chat.followup import carried_words, standalone_offline

    searched = standalone_offline("How long does it take?", [("user", "Do you ship to Denmark?")])
    assert carried_words("How long does it take?", searched) == ("ship", "Denmark")
    assert carried_words("What is the price (in SEK)?", "What is the price (in SEK)?") == ()
