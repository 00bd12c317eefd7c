"""Analytics in a browser: the owner reads the figures and charts, at a desktop's width and a
phone's (375 px), then fixes a knowledge gap from the gaps page in one step."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.e2e.conftest import SHOTS
from tests.e2e.helpers import log_in
from tests.e2e.test_phone_layout import MEASURE

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SIZES = {"desktop": {"width": 1280, "height": 860}, "phone": {"width": 375, "height": 812}}
GAP = ["¿Tienen tienda física en Cali?", "tienen tienda fisica en cali", "¿Hay una tienda física en Cali?"]


@pytest.fixture
def used_bot(django_user_model, django_capture_on_commit_callbacks):
    """A bot after two weeks of questions: answered ones, a gap asked three ways, a rating."""
    from bots.models import Template
    from bots.services import bot_create
    from chat.models import Feedback, QueryLog
    from chat.reply import reply
    from chat.services import conversation_start
    from documents.services import document_add_text
    from kaiu.accounts.services import tenant_create

    owner = django_user_model.objects.create_user(email="ana@tienda.test", password="una-clave-larga-1")
    tenant = tenant_create(owner=owner, name="Tienda Natural", language="es", time_zone="America/Bogota")
    bot = bot_create(tenant=tenant, template=Template.objects.get(slug="faq"), name="Asistente", user=owner)
    with django_capture_on_commit_callbacks(execute=True):
        document_add_text(bot=bot, title="Envíos y pagos", text=(
            "Enviamos a toda Colombia. A Bogotá y Medellín el envío tarda de 1 a 2 días hábiles.\n\n"
            "Aceptamos tarjeta de crédito, PSE, Nequi y pago contra entrega en efectivo."))
    questions = ["¿Cuánto tarda el envío a Medellín?", "¿Aceptan Nequi?", "¿Puedo pagar contra entrega?", *GAP,
                 "¿Cuánto tarda el envío a Medellín?"]
    for n, question in enumerate(questions):
        conversation = conversation_start(bot=bot, channel=["PAGE", "WIDGET", "API"][n % 3], visitor_id=f"v{n}")
        events = list(reply(conversation, question))
        if n == 1:
            Feedback.objects.create(message=events[-1].message, rating=-1, comment="Quería saber si hay recargo.")
    # Earlier days, so the chart has a shape.
    now = timezone.now()
    for day in range(1, 14):
        for n in range(day % 5 + 1):
            question = "¿Aceptan Nequi?" if n % 4 else "¿Hacen envíos a Leticia?"
            row = QueryLog.objects.create(tenant=tenant, bot=bot, channel="WIDGET", question=question,
                                          origin="model" if n % 4 else "unknown", answered=bool(n % 4),
                                          total_ms=300 + 40 * n, llm_ms=250, model="gpt-4o-mini",
                                          tokens_in=900, tokens_out=120)
            QueryLog.objects.filter(pk=row.pk).update(created_at=now - timedelta(days=day, hours=n))
    return bot


@pytest.mark.parametrize("size", SIZES)
def test_the_owner_reads_the_figures_and_fixes_a_gap(page, shot, used_bot, size):
    page.set_viewport_size(SIZES[size])
    log_in(page, "ana@tienda.test", "una-clave-larga-1")
    page.goto("/app/analytics/?range=30")
    chart = page.locator("svg[role=img]").first
    assert chart.locator("title").first.text_content() == "Questions per day"
    assert page.locator("svg[role=img] rect title").count() > 30  # a value on every bar
    assert page.get_by_text("Tokens and estimated cost per model").is_visible()
    measured = page.evaluate(MEASURE)
    assert measured["scrollWidth"] <= measured["width"], "the analytics page is wider than the screen"
    shot(f"40-analytics-{size}")
    page.locator(".chart-card").first.screenshot(path=str(SHOTS / f"40-analytics-chart-{size}.png"))
    box = chart.bounding_box()
    assert box["width"] <= SIZES[size]["width"]

    page.get_by_role("link", name="Knowledge gaps").click()
    assert page.locator(".gap").count() == 2
    gap = page.locator(".gap", has_text="tienda física")
    assert "3 times, 2 phrasings" in " ".join(gap.text_content().split())
    measured = page.evaluate(MEASURE)
    assert measured["scrollWidth"] <= measured["width"], "the gaps page is wider than the screen"
    shot(f"41-gaps-{size}")
    gap.get_by_text("Add an answer").click()
    gap.locator("textarea[name=answer]").fill("No tenemos tienda física: vendemos en línea a toda Colombia.")
    gap.get_by_role("button", name="Save the answer").click()
    assert page.get_by_text("Answered. Asistente now gives your answer").is_visible()
    assert page.locator(".gap").count() == 1
    assert page.locator(".gap", has_text="tienda física").count() == 0
    shot(f"42-gap-fixed-{size}")
