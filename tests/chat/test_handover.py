"""Handover (chat.handover): each trigger hands the conversation to people, the bot tells the
customer when to expect a reply, and then stays quiet."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chat.handover import asks_for_person, handover_text
from chat.models import Channel, Conversation, Message, QueryLog
from chat.reply import reply
from chat.services import conversation_start, feedback_set
from chat.texts import ChatError
from kaiu.accounts.models import Plan
from kaiu.accounts.quotas import used
from tests.chat.conftest import product

pytestmark = pytest.mark.django_db

ASKING = [
    "quiero hablar con un asesor", "Quiero hablar con un ASESOR!", "una persona por favor", "human please",
    "talk to an agent", "hablar con alguien", "¿Puedo hablar con una persona real?", "necesito un asesor",
    "Pásame con un humano", "comunícame con un agente", "I want to speak with a representative",
    "can I talk to someone?", "Asesor", "agent please", "me gustaría hablar con una persona del equipo",
    "connect me to a human", "atención humana por favor",
]
NOT_ASKING = [
    "¿las personas mayores tienen descuento?", "¿Cuántas personas caben en el taller?",
    "¿El aceite sirve para una persona con piel sensible?", "quiero un aceite para una persona mayor",
    "Do you ship to people in Medellín?", "¿Qué hace un asesor de aromaterapia?", "¿Aceptan Nequi?",
    "is this safe for humans?", "hola",
]


@pytest.mark.parametrize("text", ASKING)
def test_it_hears_a_request_for_a_person(text):
    assert asks_for_person(text)


@pytest.mark.parametrize("text", NOT_ASKING)
def test_it_does_not_hear_one_in_a_question_about_people(text):
    assert not asks_for_person(text)


def conversation_on(bot, channel=Channel.PAGE):
    return conversation_start(bot=bot, channel=channel, visitor_id="visitor")


def handed(conversation) -> Conversation:
    return Conversation.objects.get(pk=conversation.pk)


def always_open(tenant):
    tenant.business_hours = {str(day): [["00:00", "24:00"]] for day in range(7)}
    tenant.save()


def test_asking_for_a_person_hands_over_and_the_bot_says_a_person_will_reply(shop_bot, say):
    always_open(shop_bot.tenant)
    conversation = conversation_on(shop_bot)
    text, message = say(conversation, "Quiero hablar con un asesor, por favor")
    assert "persona de nuestro equipo" in text
    assert "en unos minutos" in text
    assert message.origin == "handover"
    conversation = handed(conversation)
    assert (conversation.status, conversation.is_bot_active, conversation.handover_code) == (
        "HANDED_OVER", False, "asked")
    assert conversation.handover_reason == "The customer asked for a person."
    assert conversation.waiting_since is not None


def test_the_button_hands_over(shop_bot, say):
    conversation = conversation_on(shop_bot, Channel.WIDGET)
    say(conversation, "Quiero hablar con una persona", ask_for_person=True)
    assert handed(conversation).handover_code == "button"


def test_the_bot_stays_quiet_while_a_person_has_the_conversation(shop_bot, say):
    conversation = conversation_on(shop_bot)
    say(conversation, "human please")
    logged, taken = QueryLog.objects.count(), used(shop_bot.tenant, "questions_month")
    events = list(reply(handed(conversation), "¿Aceptan Nequi?"))
    assert [event.type for event in events] == ["waiting"]
    assert events[0].message.role == "user"
    assert events[0].message.content == "¿Aceptan Nequi?"
    assert not Message.objects.filter(conversation=conversation, role="assistant",
                                      created_at__gt=events[0].message.created_at).exists()
    assert QueryLog.objects.count() == logged  # no answer, and not taken from the quota
    assert used(shop_bot.tenant, "questions_month") == taken
    assert handed(conversation).message_count == 3


def test_n_unanswered_questions_in_a_row_hand_over(shop_bot, say):
    conversation = conversation_on(shop_bot)
    text, first = say(conversation, "¿Venden bicicletas de montaña?")
    assert not first.answered
    assert handed(conversation).is_bot_active
    say(conversation, "¿Aceptan Nequi?")  # answered: the count starts again
    say(conversation, "¿Tienen parqueadero para bicicletas?")
    assert handed(conversation).is_bot_active
    text, _second = say(conversation, "¿Reparan motos eléctricas?")
    assert "persona de nuestro equipo" in text
    conversation = handed(conversation)
    assert (conversation.handover_code, conversation.status) == ("unanswered", "HANDED_OVER")
    assert conversation.handover_reason == "2 questions in a row the bot could not answer."


def test_the_unanswered_limit_is_per_bot_and_zero_never_hands_over(shop_bot, say):
    shop_bot.handover_after_unanswered = 0
    shop_bot.save()
    conversation = conversation_on(shop_bot)
    for question in ("¿Venden bicicletas?", "¿Reparan motos?", "¿Tienen piscina?"):
        say(conversation, question)
    assert handed(conversation).is_bot_active


def test_a_thumbs_down_with_a_comment_hands_over(shop_bot, say):
    conversation = conversation_on(shop_bot)
    _, answer = say(conversation, "¿Aceptan Nequi?")
    feedback_set(message=answer, rating=-1)  # no comment: the bot keeps the conversation
    assert handed(conversation).is_bot_active
    feedback_set(message=answer, rating=-1, comment="No me sirve, necesito saber si Daviplata")
    conversation = handed(conversation)
    assert (conversation.handover_code, conversation.status) == ("feedback", "HANDED_OVER")
    assert "Daviplata" in conversation.handover_reason
    note = conversation.messages.order_by("-created_at").first()
    assert note.role == "assistant"
    assert "persona" in note.content


def test_with_the_quota_used_up_a_person_answers_instead_of_a_refusal(shop_bot, say):
    Plan.objects.filter(pk=shop_bot.tenant.plan_id).update(max_queries_per_month=0)
    conversation = conversation_on(shop_bot)
    text, message = say(conversation, "¿Aceptan Nequi?")
    assert "persona" in text
    assert message.origin == "handover"
    assert handed(conversation).handover_code == "quota"
    assert conversation.messages.filter(role="user", content="¿Aceptan Nequi?").exists()
    with pytest.raises(ChatError):  # the API has no person waiting to answer: refused as before
        list(reply(conversation_on(shop_bot, Channel.API), "¿Aceptan Nequi?"))


def test_the_playground_and_the_api_never_hand_over(shop_bot, say):
    for channel in (Channel.PLAYGROUND, Channel.API):
        conversation = conversation_on(shop_bot, channel)
        _, message = say(conversation, "quiero hablar con un asesor")
        assert message.origin != "handover"
        assert handed(conversation).is_bot_active


def test_a_sold_out_product_in_an_order_hands_over(store_bot, say):
    conversation = conversation_on(store_bot)
    say(conversation, "Quiero comprar aceite de lavanda")
    text, _ = say(conversation, "el de 30 ml")
    assert "agotado" in text
    assert "persona de nuestro equipo" in text
    assert "¿Quieres otro producto?" not in text  # a person takes it from here
    assert handed(conversation).handover_code == "out_of_stock"
    assert product(store_bot.tenant, "AE-LAV-30").stock_reserved == 0


def test_an_order_not_found_twice_hands_over(store_bot, say):
    conversation = conversation_on(store_bot)
    say(conversation, "¿Dónde está mi pedido 9042?")
    say(conversation, "311 999 8888")  # a typo, perhaps: asked again
    assert handed(conversation).is_bot_active
    text, _ = say(conversation, "311 999 8877")
    assert "No encuentro" in text
    assert "persona de nuestro equipo" in text
    assert handed(conversation).handover_code == "order_not_found"


BOGOTA = ZoneInfo("America/Bogota")


@pytest.mark.parametrize(("local", "expected"), [
    (datetime(2026, 12, 2, 10, 0, tzinfo=BOGOTA), "en unos minutos"),  # a Wednesday at 10:00
    (datetime(2026, 12, 2, 20, 0, tzinfo=BOGOTA), "fuera del horario de atención; te responderemos aquí mismo "
                                                  "mañana a las 09:00"),
    (datetime(2026, 12, 4, 19, 0, tzinfo=BOGOTA), "mañana a las 10:00"),  # Friday evening: Saturday 10-13
    (datetime(2026, 12, 5, 8, 0, tzinfo=BOGOTA), "hoy a las 10:00"),
    (datetime(2026, 12, 5, 14, 0, tzinfo=BOGOTA), "el lunes a las 09:00"),  # Saturday afternoon
])
def test_the_reply_time_follows_the_business_hours_in_its_time_zone(shop_bot, local, expected):
    tenant = shop_bot.tenant
    tenant.time_zone = "America/Bogota"
    tenant.business_hours = {**{str(day): [["09:00", "18:00"]] for day in range(5)}, "5": [["10:00", "13:00"]]}
    tenant.save()
    assert expected in handover_text(shop_bot, now=local.astimezone(ZoneInfo("UTC")))


def test_out_of_hours_the_customer_is_told_when_we_open(shop_bot, say):
    tenant = shop_bot.tenant
    tenant.business_hours = {}  # unknown hours: the promise is "in a few minutes"
    tenant.save()
    assert "en unos minutos" in say(conversation_on(shop_bot), "human please")[0]
    tenant.business_hours = {str(day): [] for day in range(7)}  # closed every day
    tenant.save()
    assert "lo antes posible" in say(conversation_on(shop_bot), "human please")[0]


def test_english_bots_say_it_in_english(shop_bot, say):
    shop_bot.language = "en"
    shop_bot.save()
    always_open(shop_bot.tenant)
    assert "a person on our team" in say(conversation_on(shop_bot), "talk to an agent")[0]
