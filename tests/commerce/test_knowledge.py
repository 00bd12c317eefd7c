"""Products as bot knowledge: one passage per active product for a bot that knows the shop,
kept in step through the ingestion queue; prices and stock read live at answer time."""

import pytest

from bots.models import Template
from bots.services import bot_create, bot_settings_update
from chat.models import Channel
from chat.reply import reply
from chat.services import conversation_start
from commerce import knowledge, services
from commerce.models import Product
from documents.models import Chunk, Document, IngestJob

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def run_commits(django_capture_on_commit_callbacks):
    """Run what the services queue after commit (the ingestion runs inline: django-q sync mode)."""

    def run(work):
        with django_capture_on_commit_callbacks(execute=True):
            result = work()
        return result

    return run


@pytest.fixture
def shop_bot(shop, owner, run_commits):
    """A customer-support bot (it knows the shop by default) of the shop."""
    return run_commits(lambda: bot_create(tenant=shop, template=Template.objects.get(slug="customer-support"),
                                          name="Tienda", user=owner))


def catalog_texts(bot):
    return sorted(Chunk.objects.filter(bot=bot, document__source_type=knowledge.CATALOG).values_list("text", flat=True))


def ask(bot, text):
    conversation = conversation_start(bot=bot, channel=Channel.PAGE, visitor_id="v")
    events = list(reply(conversation, text))
    return events[-1].message


def test_the_customer_support_template_knows_the_shop(shop_bot):
    assert knowledge.knows_shop(shop_bot)


def test_a_faq_bot_does_not_know_the_shop(bot):
    assert not knowledge.knows_shop(bot)


def test_each_active_product_becomes_one_passage_without_its_price(shop_bot, make_product, run_commits):
    run_commits(lambda: make_product(name="Aceite esencial de lavanda", variant_name="10 ml gotero",
                                     description="Relajante, destilado al vapor.", price=4_590_000))
    run_commits(lambda: make_product(name="Aceite de jojoba", variant_name="30 ml"))
    run_commits(lambda: make_product(name="Retirado", is_active=False))
    texts = catalog_texts(shop_bot)
    assert len(texts) == 2
    lavender = next(text for text in texts if "lavanda" in text)
    assert "10 ml gotero" in lavender
    assert "SKU: SKU-1" in lavender
    assert "destilado al vapor" in lavender
    assert "45.900" not in lavender  # the price is read live, never stored in the passage
    document = Document.objects.get(bot=shop_bot, source_type=knowledge.CATALOG)
    assert document.status == Document.Status.PROCESSED
    assert IngestJob.objects.filter(document=document, reason="sync").exists()


def test_a_bot_that_does_not_know_the_shop_gets_no_catalogue(bot, shop, make_product, run_commits):
    run_commits(lambda: make_product(name="Aceite de lavanda"))
    assert not Document.objects.filter(bot=bot).exists()


def test_renaming_and_deactivating_a_product_changes_its_passage_through_the_queue(shop_bot, make_product,
                                                                                    run_commits):
    product = run_commits(lambda: make_product(name="Aceite de lavanda"))
    run_commits(lambda: services.product_update(product=product, name="Aceite de lavanda francesa"))
    assert any("lavanda francesa" in text for text in catalog_texts(shop_bot))
    run_commits(lambda: services.product_update(product=product, is_active=False))
    assert catalog_texts(shop_bot) == []


def test_a_price_change_reindexes_nothing(shop_bot, make_product, run_commits):
    product = run_commits(lambda: make_product(name="Aceite de lavanda"))
    jobs = IngestJob.objects.count()
    run_commits(lambda: services.product_update(product=product, price=5_000_000))
    assert IngestJob.objects.count() == jobs


def test_a_csv_import_of_many_products_queues_one_run(shop_bot, run_commits):
    rows = "\n".join(f"SKU-{n},Aceite {n},{n}000,5" for n in range(1, 21))
    run_commits(lambda: services.product_import_csv(tenant=shop_bot.tenant, data=f"sku,name,price,stock\n{rows}\n"
                                                    .encode()))
    document = Document.objects.get(bot=shop_bot, source_type=knowledge.CATALOG)
    assert IngestJob.objects.filter(document=document).count() == 1
    assert len(catalog_texts(shop_bot)) == 20


def test_turning_knows_the_shop_off_and_on_removes_and_restores_the_catalogue(shop_bot, make_product, run_commits):
    run_commits(lambda: make_product(name="Aceite de lavanda"))
    run_commits(lambda: bot_settings_update(bot=shop_bot, rag={"knows_shop": False}, chat_model="", temperature=0.2))
    assert not Document.objects.filter(bot=shop_bot).exists()
    run_commits(lambda: bot_settings_update(bot=shop_bot, rag={"knows_shop": True}, chat_model="", temperature=0.2))
    assert len(catalog_texts(shop_bot)) == 1


def test_a_price_change_shows_in_the_next_answer(shop_bot, make_product, run_commits):
    product = run_commits(lambda: make_product(name="Aceite esencial de lavanda", variant_name="10 ml gotero",
                                               price=4_590_000))
    assert "45.900" in ask(shop_bot, "¿Cuánto cuesta el aceite esencial de lavanda?").content
    services.product_update(product=product, price=5_290_000)  # no commit callbacks run: nothing re-indexed
    answer = ask(shop_bot, "¿Cuánto cuesta el aceite esencial de lavanda?").content
    assert "52.900" in answer
    assert "45.900" not in answer


def test_a_deactivated_product_is_never_offered_even_while_its_passage_is_stored(shop_bot, make_product,
                                                                                 run_commits):
    run_commits(lambda: make_product(name="Aceite esencial de lavanda", variant_name="10 ml gotero"))
    Product.objects.filter(tenant=shop_bot.tenant).update(is_active=False)  # its passage is still there
    assert len(catalog_texts(shop_bot)) == 1
    for question in ("¿Tienen aceite esencial de lavanda?", "Háblame del aceite esencial de lavanda",
                     "Quiero pedir aceite esencial de lavanda"):
        message = ask(shop_bot, question)
        assert "lavanda" not in message.content.lower(), question
        assert message.cards == []
