"""Handover, clicked through: a visitor in the widget asks for a person, an agent answers from
the inbox in another browser, the widget shows the reply with the agent's name, the agent gives
the conversation back and the bot answers again."""

import pytest

from tests.chat.conftest import KNOWLEDGE
from tests.e2e.conftest import SHOTS
from tests.e2e.helpers import log_in
from tests.e2e.test_chat_flow import answer_in, shop_site  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_person_answers_in_the_widget_and_gives_the_conversation_back(page, django_user_model, add_text,
                                                                         shop_site):  # noqa: F811
    from bots.models import Bot, Template, WidgetConfig
    from bots.services import bot_create
    from chat.models import Conversation
    from kaiu.accounts.services import tenant_create

    user = django_user_model.objects.create_user(email="ana@tienda.test", password="una-clave-bien-larga",
                                                 full_name="Ana Restrepo")
    tenant = tenant_create(owner=user, name="Tienda Ana", language="es")
    tenant.business_hours = {str(day): [["00:00", "24:00"]] for day in range(7)}
    tenant.save()
    bot = bot_create(tenant=tenant, template=Template.objects.get(slug="faq"), name="Asistente")
    Bot.objects.filter(pk=bot.pk).update(rag_config={**bot.rag_config, "chunk_size": 220, "chunk_overlap": 0})
    bot.refresh_from_db()
    add_text(bot, "Políticas de la tienda", KNOWLEDGE)
    publish, site_host = shop_site
    WidgetConfig.objects.filter(bot=bot).update(allowed_domains=[site_host], header_text="Tienda Ana")
    WidgetConfig.objects.get(bot=bot).save()  # public channels read the bot again

    # The agent opens the inbox: nobody waits yet.
    log_in(page, "ana@tienda.test", "una-clave-bien-larga")
    page.goto("/app/inbox/")
    page.wait_for_selector("text=No one is waiting for a person.")

    # A visitor on the shop's site opens the widget and asks for a person.
    visitor = page.context.browser.new_context(base_url=page.url.split("/app/")[0],
                                               viewport={"width": 420, "height": 800})
    shop = visitor.new_page()
    shop.set_default_timeout(15_000)
    shop.goto(publish(bot.public_id))
    shop.locator("button[aria-label='Tienda Ana']").click()
    frame = shop.frame_locator("iframe[title='Tienda Ana']")
    frame.locator("#chat-input").fill("¿Cuánto tarda el envío a Cali?")
    frame.locator("#chat-input").press("Enter")
    assert "3 a 5 días" in answer_in(frame).inner_text()
    frame.locator("button:has-text('Hablar con una persona')").click()
    frame.locator(".bubble-bot:has-text('persona de nuestro equipo')").wait_for()
    frame.locator("[data-chat-waiting]").wait_for(state="visible")
    assert frame.locator("[data-chat-person]").is_hidden()
    frame.locator("#chat-input").fill("Es para un regalo, ¿lo pueden envolver?")
    frame.locator("#chat-input").press("Enter")
    frame.locator(".bubble-user:has-text('lo pueden envolver')").wait_for()
    frame.locator(".typing").first.wait_for(state="detached")
    # The answer and "a person will reply" (besides the greeting): no answer to the new message.
    assert frame.locator(".bubble-bot:not(.bubble-greeting)").count() == 2

    # The inbox shows it without a reload (htmx polling), with the reason and the count.
    row = page.locator("#inbox-rows a:has-text('Cuánto tarda el envío')")
    row.wait_for(timeout=15_000)
    assert "Asked for a person" in page.locator("#inbox-rows").inner_text()
    page.locator(".nav-count:has-text('1')").wait_for(timeout=20_000)
    page.screenshot(path=str(SHOTS / "60-inbox-waiting.png"), full_page=True)
    row.click()
    page.wait_for_selector("text=lo pueden envolver")
    page.click("button:has-text('Assign to me')")
    page.wait_for_selector("text=The conversation is yours.")
    page.fill("#id_text", "¡Hola! Soy Ana. Sí, lo envolvemos sin costo.")
    page.locator("form.agent-reply button").click()
    page.wait_for_selector(".turn-agent:has-text('lo envolvemos')")
    page.locator("form.agent-note textarea").fill("Cliente frecuente: ofrecer tarjeta.")
    page.locator("form.agent-note button").click()
    page.wait_for_selector("text=Only your team sees it.")
    page.screenshot(path=str(SHOTS / "61-inbox-conversation.png"), full_page=True)

    # The widget shows the agent's reply with the agent's name, and never the note.
    agent_bubble = frame.locator(".bubble-agent")
    agent_bubble.wait_for(timeout=15_000)
    assert "Ana Restrepo" in agent_bubble.locator(".bubble-author").inner_text()
    assert "lo envolvemos sin costo" in agent_bubble.inner_text()
    assert "tarjeta" not in frame.locator("[data-chat-log]").inner_text()
    shop.screenshot(path=str(SHOTS / "62-widget-agent-reply.png"))

    # The agent gives the conversation back; the bot answers the next question.
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Resolve: back to the bot')")
    page.wait_for_selector("text=the bot answers this conversation again")
    conversation = Conversation.objects.get(bot=bot)
    assert (conversation.status, conversation.is_bot_active) == ("OPEN", True)
    frame.locator("[data-chat-person]").wait_for(state="visible", timeout=15_000)
    frame.locator("#chat-input").fill("¿Aceptan Nequi?")
    frame.locator("#chat-input").press("Enter")
    frame.locator(".bubble-bot:has(.feedback):has-text('Nequi')").wait_for()
    shop.screenshot(path=str(SHOTS / "63-widget-back-to-bot.png"))
    visitor.close()
