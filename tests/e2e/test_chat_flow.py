"""Chat, clicked through: the playground, the public page, and the widget on another site."""

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.chat.conftest import KNOWLEDGE
from tests.e2e.conftest import SHOTS

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

QUESTION = "¿Cuánto tarda el envío a Cali?"


@pytest.fixture
def shop_site(tmp_path, live_server):
    """Another site (another origin) whose page embeds the widget with its one script tag."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def publish(public_id):
        (tmp_path / "index.html").write_text(
            "<!doctype html><html><head><meta charset='utf-8'><title>Tienda de prueba</title></head>"
            "<body><h1>Tienda de prueba</h1><p>Aceites esenciales.</p>"
            f"<script src='{live_server.url}/widget/{public_id}.js' async></script></body></html>")
        return f"http://127.0.0.1:{server.server_address[1]}/index.html"

    yield publish, f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def answer_in(scope):
    """Wait for the last answer to finish streaming; return its bubble."""
    bubble = scope.locator(".bubble-bot:has(.feedback)").last
    bubble.wait_for()
    return bubble


def test_a_cited_streamed_answer_on_every_channel(page, shot, django_user_model, add_text, shop_site):
    from django.conf import settings

    from bots.models import Bot, Template, WidgetConfig
    from bots.services import bot_create
    from chat.models import Message
    from kaiu.accounts.services import tenant_create

    user = django_user_model.objects.create_user(email="ana@tienda.test", password="una-clave-bien-larga")
    tenant = tenant_create(owner=user, name="Tienda Ana", language="es")
    bot = bot_create(tenant=tenant, template=Template.objects.get(slug="faq"), name="Asistente")
    Bot.objects.filter(pk=bot.pk).update(rag_config={**bot.rag_config, "chunk_size": 220, "chunk_overlap": 0})
    bot.refresh_from_db()
    add_text(bot, "Políticas de la tienda", KNOWLEDGE)
    publish, site_host = shop_site

    # Playground
    page.goto("/accounts/login/")
    page.fill("#id_username", "ana@tienda.test")
    page.fill("#id_password", "una-clave-bien-larga")
    page.click("button:has-text('Log in')")
    page.goto(f"/app/bots/{bot.public_id}/")
    page.click("a:has-text('Playground')")
    page.fill("#chat-input", QUESTION)
    page.press("#chat-input", "Enter")
    bubble = answer_in(page)
    assert "3 a 5 días" in bubble.inner_text()
    assert bubble.locator("sup.cite").count() >= 1
    assert "total" in bubble.locator(".debug").inner_text()
    bubble.locator("sup.cite").first.click()
    passage = bubble.locator("details[open] blockquote").first
    assert passage.is_visible()
    # The passage's Markdown is read, not shown: its heading in bold, without the "#"
    assert passage.locator("strong").first.inner_text() == "Envíos"
    assert "#" not in passage.inner_text()
    shot("20-playground")

    # Widget settings: allow the shop's site
    page.goto(f"/app/bots/{bot.public_id}/widget/")
    page.fill("#id_allowed_domains", site_host)
    page.fill("#id_header_text", "Tienda Ana")
    launcher = page.locator("[data-widget-preview] .preview-launcher")
    page.select_option("#id_position", "left")
    page.check("#id_auto_open")
    assert "preview-launcher-left" in launcher.get_attribute("class")
    assert "by itself" in launcher.inner_text()
    page.fill("#id_primary_color", "#ffee00")  # a light colour: the text on it turns dark
    header = page.locator("[data-widget-preview] .chat-header")
    assert header.evaluate("node => getComputedStyle(node).color") == "rgb(29, 36, 32)"
    shot("21-widget-preview-left")
    page.fill("#id_primary_color", "#2f7d5b")
    assert header.evaluate("node => getComputedStyle(node).color") == "rgb(255, 255, 255)"
    page.select_option("#id_position", "right")
    page.uncheck("#id_auto_open")
    assert "preview-launcher-left" not in launcher.get_attribute("class")
    assert "clicks" in launcher.inner_text()
    page.click("button:has-text('Save')")
    page.wait_for_selector("text=Widget saved.")
    assert WidgetConfig.objects.get(bot=bot).allowed_domains == [site_host]
    shot("21-widget-settings")

    # Public page, as a visitor (another browser context: no dashboard session)
    visitor = page.context.browser.new_context(
        base_url=page.url.split("/app/")[0], viewport={"width": 420, "height": 800}
    )
    public = visitor.new_page()
    public.goto(f"/c/{bot.public_id}/")
    public.fill("#chat-input", QUESTION)
    public.click("button:has-text('Enviar')")
    bubble = answer_in(public)
    assert "3 a 5 días" in bubble.inner_text()
    assert bubble.locator("sup.cite").count() >= 1
    bubble.locator(".feedback-button").first.click()
    public.wait_for_selector("text=¡Gracias por tu opinión!")
    # A thumbs down is saved at once; a comment may follow, in place
    bubble.locator(".feedback-button").nth(1).click()
    bubble.locator(".feedback-comment input").fill("Faltó el precio")
    public.screenshot(path=str(SHOTS / "22-public-comment.png"))
    bubble.locator(".feedback-comment button").click()
    bubble.locator(".feedback-comment").wait_for(state="detached")
    feedback = (
        Message.objects.filter(conversation__bot=bot, role="assistant", conversation__channel="PAGE")
        .exclude(origin="handover").get().feedback  # a thumbs-down with a comment hands over: the bot says so
    )
    assert (feedback.rating, feedback.comment) == (-1, "Faltó el precio")
    public.screenshot(path=str(SHOTS / "22-public-page.png"), full_page=True)

    # Too long a question is said so as it is typed, and cannot be sent; shorter, it can
    public.fill("#chat-input", "x" * (settings.CHAT_MAX_MESSAGE_CHARS + 1))
    assert public.locator(".chat-limit").is_visible()
    assert public.locator(".chat-send").is_disabled()
    public.screenshot(path=str(SHOTS / "22-public-too-long.png"))
    public.fill("#chat-input", "¿Y a Medellín?")
    assert public.locator(".chat-limit").is_hidden()
    assert public.locator(".chat-send").is_enabled()
    # A question that fails to go through goes back in the box
    public.route("**/messages/", lambda route: route.abort())
    public.click("button:has-text('Enviar')")
    public.locator(".bubble-error").wait_for()
    assert public.input_value("#chat-input") == "¿Y a Medellín?"
    public.unroute("**/messages/")

    public.reload()  # the conversation is kept in the visitor's browser
    assert answer_in(public).locator("sup.cite").count() >= 1

    # The widget on the shop's own site
    shop = visitor.new_page()
    shop.goto(publish(bot.public_id))
    launcher = shop.locator("button[aria-label='Tienda Ana']")
    assert launcher.get_attribute("aria-expanded") == "false"
    assert launcher.locator("svg").count() == 1
    shop.screenshot(path=str(SHOTS / "23-widget-launcher.png"))
    launcher.click()
    assert launcher.get_attribute("aria-expanded") == "true"
    frame = shop.frame_locator("iframe[title='Tienda Ana']")
    frame.locator("#chat-input").fill(QUESTION)
    frame.locator("#chat-input").press("Enter")
    assert "3 a 5 días" in answer_in(frame).inner_text()
    shop.evaluate("KAIU.open('¿Aceptan pago contra entrega?')")
    frame.locator(".bubble-bot:has(.feedback) >> nth=1").wait_for()
    assert "contra entrega" in frame.locator(".bubble-bot:has(.feedback)").last.inner_text()
    shop.screenshot(path=str(SHOTS / "24-widget-on-another-site.png"))

    # A site that is not allowed (the same page by another host name) gets no launcher
    elsewhere = visitor.new_page()
    warnings = []
    elsewhere.on("console", lambda message: warnings.append(message.text))
    elsewhere.goto(publish(bot.public_id).replace("127.0.0.1", "localhost"))
    elsewhere.wait_for_function("() => document.readyState === 'complete'")
    elsewhere.wait_for_timeout(300)
    assert elsewhere.locator("button[aria-label='Tienda Ana']").count() == 0
    assert any("not among this bot's allowed domains" in text for text in warnings)
    elsewhere.evaluate("KAIU.open('¿Hola?')")  # the site's own button raises no error; nothing opens
    assert elsewhere.locator("iframe").count() == 0
    visitor.close()
