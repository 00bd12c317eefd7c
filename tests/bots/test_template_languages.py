"""Bot templates speak the new bot's language, with examples that fit a shop anywhere."""

import pytest

from bots.catalog import TEMPLATES
from bots.models import Bot, Template, WidgetConfig
from bots.services import bot_create
from kaiu.accounts.services import tenant_create

# Places that tied the old templates to one country.
LOCAL_PLACES = ("Medellín", "Cali", "Bogotá", "Colombia")


@pytest.fixture
def english_tenant(outsider):
    return tenant_create(owner=outsider, name="Lind Te", language="en", currency="SEK", time_zone="Europe/Stockholm")


@pytest.mark.parametrize("slug", [template["slug"] for template in TEMPLATES])
def test_a_new_bot_of_an_english_business_speaks_english(english_tenant, slug):
    bot = bot_create(tenant=english_tenant, template=Template.objects.get(slug=slug), name="Helper")
    widget = WidgetConfig.objects.get(bot=bot)
    assert bot.language == "en"
    assert bot.welcome_message.startswith("Hi!")
    assert widget.starter_questions
    assert all(q.isascii() and not q.startswith("¿") for q in widget.starter_questions)
    assert bot.active_prompt.content.startswith("You ")
    assert "Lind Te" in bot.active_prompt.content


def test_the_customer_support_bot_asks_neutral_questions_in_english(english_tenant):
    bot = bot_create(tenant=english_tenant, template=Template.objects.get(slug="customer-support"), name="Helper")
    assert WidgetConfig.objects.get(bot=bot).starter_questions[0] == "How long does delivery take?"
    assert bot.welcome_message == "Hi! How can I help you today?"


@pytest.mark.parametrize("slug", [template["slug"] for template in TEMPLATES])
def test_a_new_bot_of_a_spanish_business_speaks_spanish(tenant, slug):
    bot = bot_create(tenant=tenant, template=Template.objects.get(slug=slug), name="Ayudante")
    widget = WidgetConfig.objects.get(bot=bot)
    assert bot.language == "es"
    assert bot.welcome_message.startswith(("Hola", "¡Hola"))
    assert all(question.startswith("¿") for question in widget.starter_questions)
    assert bot.active_prompt.content.startswith(("Eres", "Respondes"))
    assert "Alpha Shop" in bot.active_prompt.content


def test_no_template_text_is_tied_to_one_country(db):
    for template in Template.objects.all():
        for language in ("en", "es"):
            texts = template.in_language(language)
            words = " ".join([texts.description, texts.sample_system_prompt, texts.welcome_message,
                              *texts.sample_queries])
            assert not any(place in words for place in LOCAL_PLACES), (template.slug, language)


def test_every_template_has_each_text_in_each_language():
    for definition in TEMPLATES:
        assert set(definition["texts"]) == {"en", "es"}
        for texts in definition["texts"].values():
            assert set(texts) == set(Template.TRANSLATED_FIELDS)
            assert all(texts.values())


def test_the_new_bot_page_describes_templates_in_the_businesss_language(client, english_tenant, outsider, tenant,
                                                                         owner):
    client.force_login(outsider)
    page = client.get("/app/bots/new/").content.decode()
    assert "Answers questions about orders" in page
    assert "The bot will speak English" in page
    client.force_login(owner)
    page = client.get("/app/bots/new/").content.decode()
    assert "Responde preguntas sobre pedidos" in page
    assert "The bot will speak Español" in page


def test_the_stored_template_keeps_its_english_texts_after_a_spanish_bot(tenant):
    template = Template.objects.get(slug="faq")
    bot_create(tenant=tenant, template=template, name="Ayudante")
    template.refresh_from_db()
    assert template.welcome_message == "Hi! Ask me anything you need to know."
    assert Bot.objects.get(name="Ayudante").template_id == template.pk
