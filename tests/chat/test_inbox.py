"""The support inbox (chat.inbox, chat.support): the whole way from a customer asking for a
person to the bot answering again, claims, notes, curated answers and who may see it."""

import threading

import pytest
from django.db import connection
from django.test import Client

from chat import support
from chat.models import Conversation, CuratedAnswer, Message, Note
from chat.services import conversation_start
from kaiu.accounts.models import Membership, Role
from tests.chat.test_web import ask, read_events
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def history(client, bot, conversation_id, token, after=""):
    query = {"conversation": conversation_id, "token": token, **({"after": after} if after else {})}
    return client.get(f"/c/{bot.public_id}/history/", query).json()


def test_a_customer_asks_for_a_person_an_agent_replies_and_gives_it_back_to_the_bot(client, shop_bot, owner):
    events = read_events(ask(client, shop_bot, "Quiero hablar con un asesor"))
    conversation_id, token = events[0][1]["conversation"], events[0][1]["token"]
    assert "persona de nuestro equipo" in events[-1][1]["text"]
    assert history(client, shop_bot, conversation_id, token)["with_person"] is True

    # The customer writes again: stored, no answer.
    events = read_events(ask(client, shop_bot, "Es por un pedido que no llegó", conversation=conversation_id,
                             token=token))
    assert [kind for kind, _ in events] == ["conversation", "waiting"]

    agent = Client()
    agent.force_login(owner)
    listing = agent.get("/app/inbox/")
    assert listing.status_code == 200
    assert "Quiero hablar con un asesor" in listing.content.decode()
    assert "Asked for a person" in listing.content.decode()
    assert agent.get("/app/inbox/count/").content == b"1"
    assert 'class="nav-count"' in listing.content.decode()
    rows = agent.get("/app/inbox/", HTTP_HX_REQUEST="true")  # htmx polling: the rows only
    assert "<table" in rows.content.decode()
    assert "<nav" not in rows.content.decode()

    page = agent.get(f"/app/inbox/{conversation_id}/")
    assert "Es por un pedido que no llegó" in page.content.decode()
    last_seen = history(client, shop_bot, conversation_id, token)["messages"][-1]["id"]
    agent.post(f"/app/inbox/{conversation_id}/claim/")
    agent.post(f"/app/inbox/{conversation_id}/reply/", {"text": "Hola, soy Owner. Ya reviso tu pedido."})
    conversation = Conversation.objects.get(pk=conversation_id)
    assert conversation.assigned_to == owner
    assert conversation.waiting_since is None
    assert agent.get("/app/inbox/count/").content == b""

    # The customer's page polls the history after the last message it shows.
    new = history(client, shop_bot, conversation_id, token, after=last_seen)["messages"]
    assert [(m["role"], m["author"], m["text"]) for m in new] == [
        ("agent", "Owner", "Hola, soy Owner. Ya reviso tu pedido.")]

    response = agent.post(f"/app/inbox/{conversation_id}/resolve/")
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert (conversation.status, conversation.is_bot_active, conversation.unanswered_streak) == ("OPEN", True, 0)
    assert history(client, shop_bot, conversation_id, token)["with_person"] is False
    events = read_events(ask(client, shop_bot, "¿Aceptan Nequi?", conversation=conversation_id, token=token))
    assert events[-1][0] == "done"
    assert "Nequi" in events[-1][1]["text"]


def test_a_customer_who_writes_after_the_agents_reply_waits_again(client, shop_bot, owner):
    events = read_events(ask(client, shop_bot, "human please"))
    conversation = Conversation.objects.get(pk=events[0][1]["conversation"])
    support.agent_reply(conversation=conversation, user=owner, text="¿En qué te ayudo?")
    assert Conversation.objects.get(pk=conversation.pk).waiting_since is None
    read_events(ask(client, shop_bot, "Mi pedido 1042", conversation=str(conversation.pk), token=events[0][1]["token"]))
    assert Conversation.objects.get(pk=conversation.pk).waiting_since is not None


def waiting_conversation(bot, text="human please"):
    from chat.reply import reply

    conversation = conversation_start(bot=bot, channel="WIDGET", visitor_id="v")
    list(reply(conversation, text))
    return Conversation.objects.get(pk=conversation.pk)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # threads need committed rows
def test_two_agents_claiming_at_once_exactly_one_wins(shop_bot, owner):
    conversation = waiting_conversation(shop_bot)
    agents = [owner]
    for n in range(7):
        agents.append(make_user(f"agent{n}@alpha.test"))
        Membership.objects.create(user=agents[-1], tenant=shop_bot.tenant, role=Role.SUPPORT)
    barrier, results = threading.Barrier(len(agents)), []

    def claim(user):
        try:
            barrier.wait()
            results.append((user, support.conversation_claim(conversation=Conversation.objects.get(
                pk=conversation.pk), user=user)))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(user,)) for user in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [user for user, won in results if won]
    assert len(results) == len(agents)
    assert len(winners) == 1
    assert Conversation.objects.get(pk=conversation.pk).assigned_to == winners[0]


def test_a_second_claim_is_refused_with_a_message(shop_bot, owner, teammate):
    conversation = waiting_conversation(shop_bot)
    second = Client()
    second.force_login(teammate)
    first = Client()
    first.force_login(owner)
    first.post(f"/app/inbox/{conversation.pk}/claim/")
    response = second.post(f"/app/inbox/{conversation.pk}/claim/", follow=True)
    assert "Someone else already has this conversation" in response.content.decode()
    assert Conversation.objects.get(pk=conversation.pk).assigned_to == owner


def test_internal_notes_never_reach_the_customer_or_the_api(client, shop_bot, owner, tenant):
    from kaiu.accounts.services import api_key_create

    events = read_events(ask(client, shop_bot, "human please"))
    conversation_id, token = events[0][1]["conversation"], events[0][1]["token"]
    agent = Client()
    agent.force_login(owner)
    agent.post(f"/app/inbox/{conversation_id}/note/", {"text": "SECRET-NOTE: cliente difícil"})
    assert Note.objects.get().author == owner
    assert "SECRET-NOTE" in agent.get(f"/app/inbox/{conversation_id}/").content.decode()
    assert "SECRET-NOTE" not in client.get(f"/c/{shop_bot.public_id}/history/",
                                           {"conversation": conversation_id, "token": token}).content.decode()
    secret = api_key_create(tenant=tenant, name="k", created_by=owner).secret
    api = client.get(f"/api/v1/conversations/{conversation_id}", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.status_code == 200
    assert "SECRET-NOTE" not in api.content.decode()
    assert not Message.objects.filter(content__contains="SECRET-NOTE").exists()


def test_an_agents_reply_becomes_a_curated_answer_in_one_click(shop_bot, owner, say):
    conversation = waiting_conversation(shop_bot, "Quiero hablar con alguien")
    say(conversation, "¿Hacen envíos a San Andrés?")
    reply = support.agent_reply(conversation=conversation, user=owner,
                                text="Sí, enviamos a San Andrés por avión en 5 a 8 días hábiles.")
    agent = Client()
    agent.force_login(owner)
    agent.post(f"/app/inbox/{conversation.pk}/messages/{reply.pk}/curate/")
    curated = CuratedAnswer.objects.get()
    assert (curated.question, curated.source_message) == ("¿Hacen envíos a San Andrés?", reply)
    support.handover_resolve(conversation=conversation)
    text, message = say(conversation_start(bot=shop_bot, channel="PAGE", visitor_id="w"),
                        "¿Hacen envíos a San Andrés?")
    assert message.origin == "curated"
    assert "avión" in text


def test_the_inbox_filters_and_searches(shop_bot, owner, teammate):
    mine = waiting_conversation(shop_bot, "Necesito un asesor para un pedido mayorista")
    other = waiting_conversation(shop_bot, "human please")
    support.conversation_claim(conversation=mine, user=owner)
    support.agent_reply(conversation=other, user=teammate, text="Hola")
    agent = Client()
    agent.force_login(owner)
    page = agent.get("/app/inbox/", {"view": "mine"}).content.decode()
    assert "mayorista" in page
    assert "human please" not in page
    page = agent.get("/app/inbox/", {"view": "waiting"}).content.decode()  # `other` was answered
    assert "mayorista" in page
    assert "human please" not in page
    page = agent.get("/app/inbox/", {"view": "open", "q": "MAYORISTA"}).content.decode()
    assert "mayorista" in page
    assert "human please" not in page


def test_the_inbox_shows_the_customers_orders(store_bot, owner, say):
    from commerce import services
    from commerce.services import OrderLine
    from tests.chat.conftest import product

    tenant = store_bot.tenant
    customer = services.customer_upsert(tenant=tenant, name="Laura Méndez", phone="300 123 4567")
    address = services.address_add(customer=customer, line1="Calle 85 # 12-30", city="Bogotá")
    order = services.order_place(tenant=tenant, lines=[OrderLine(product(tenant, "AE-LAV-10").pk, 1)],
                                 customer=customer, address=address, payment_method="COD")
    conversation = conversation_start(bot=store_bot, channel="PAGE", visitor_id="v")
    say(conversation, f"¿Dónde está mi pedido {order.number}? Mi teléfono es 300 123 4567")
    say(conversation, "quiero hablar con una persona")
    assert Conversation.objects.get(pk=conversation.pk).customer == customer
    agent = Client()
    agent.force_login(owner)
    page = agent.get(f"/app/inbox/{conversation.pk}/").content.decode()
    assert "Laura Méndez" in page
    assert f"#{order.number}" in page


@pytest.mark.parametrize("role", ["OWNER", "ADMIN", "SUPPORT"])
def test_owners_admins_and_support_use_the_inbox(client, shop_bot, owner, member_with_role, role):
    conversation = waiting_conversation(shop_bot)
    client.force_login(owner if role == "OWNER" else member_with_role(role))
    assert client.get("/app/inbox/").status_code == 200
    assert client.get(f"/app/inbox/{conversation.pk}/").status_code == 200
    assert client.post(f"/app/inbox/{conversation.pk}/reply/", {"text": "Hola"}).status_code == 302
    assert Message.objects.filter(conversation=conversation, role="agent").count() == 1


def test_warehouse_staff_get_403_and_no_inbox_in_the_navigation(client, shop_bot, member_with_role):
    conversation = waiting_conversation(shop_bot)
    client.force_login(member_with_role("WAREHOUSE"))
    assert client.get("/app/inbox/").status_code == 403
    assert client.post(f"/app/inbox/{conversation.pk}/reply/", {"text": "Hola"}).status_code == 403
    assert "/app/inbox/" not in client.get("/app/").content.decode()


def test_another_tenants_conversation_is_404(client, shop_bot, outsider, other_tenant):
    conversation = waiting_conversation(shop_bot)
    client.force_login(outsider)
    for path in ("", "claim/", "reply/", "note/", "resolve/"):
        assert client.post(f"/app/inbox/{conversation.pk}/{path}", {"text": "x"}).status_code == 404
    assert client.get("/app/inbox/").content.decode().count("human please") == 0
    assert Conversation.objects.get(pk=conversation.pk).status == "HANDED_OVER"
