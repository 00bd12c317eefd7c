import io

from django.apps import apps
from django.core.management import call_command

from bots.models import Bot
from kaiu.accounts.models import Membership, Tenant, User


def snapshot():
    """Every row of every model, as (model, pk, all field values)."""
    rows = set()
    for model in apps.get_models():
        if model._meta.app_label in {"sessions", "django_q", "admin"}:
            continue
        for values in model.objects.values_list():
            rows.add((model._meta.label, repr(values)))
    return rows


def test_seed_demo_creates_one_login_per_role_and_a_bot(db, client, settings):
    call_command("seed_demo", stdout=io.StringIO())
    tenant = Tenant.objects.get(slug="kaiu-natural-living")
    roles = set(Membership.objects.filter(tenant=tenant).values_list("role", flat=True))
    assert roles == {"OWNER", "ADMIN", "WAREHOUSE", "SUPPORT"}
    assert Bot.objects.filter(tenant=tenant).count() == 1
    for email in ("owner@kaiu.demo", "warehouse@kaiu.demo", "support@kaiu.demo"):
        assert client.login(username=email, password=settings.DEMO_PASSWORD)
        assert client.get("/app/").status_code == 200
    staff = User.objects.get(email="staff-warehouse@kaiu.demo")
    assert staff.is_staff
    assert list(staff.groups.values_list("name", flat=True)) == ["WAREHOUSE"]


def test_seed_demo_twice_changes_nothing(db):
    call_command("seed_demo", stdout=io.StringIO())
    first = snapshot()
    call_command("seed_demo", stdout=io.StringIO())
    assert snapshot() == first


def test_seed_demo_gives_the_bot_a_processed_spanish_knowledge_base(db):
    from documents.search import retrieve

    call_command("seed_demo", stdout=io.StringIO())
    bot = Bot.objects.get(tenant__slug="kaiu-natural-living")
    statuses = set(bot.documents.values_list("status", flat=True))
    assert statuses == {"PROCESSED"}
    assert bot.documents.count() >= 5
    hits = retrieve(bot, "¿Puedo pagar contra entrega?", record=False).hits
    assert "contra entrega" in hits[0].text.lower()
    hits = retrieve(bot, "¿cuánto tarda el envío a Medellín?", record=False).hits
    assert "Medellín" in hits[0].text


def test_every_demo_login_opens_what_it_is_for(db, client, settings):
    call_command("seed_demo", stdout=io.StringIO())
    for email in ("owner", "admin", "warehouse", "support"):
        client.logout()
        assert client.login(username=f"{email}@kaiu.demo", password=settings.DEMO_PASSWORD)
        assert client.get("/app/").status_code == 200
        assert client.get("/admin/").status_code == 302  # tenant people are not platform staff
    expectations = {
        "staff-admin": ("/admin/accounts/tenant/", 200),
        "staff-support": ("/admin/documents/document/", 200),
        "staff-warehouse": ("/admin/documents/document/", 403),
    }
    for email, (path, status) in expectations.items():
        client.logout()
        assert client.login(username=f"{email}@kaiu.demo", password=settings.DEMO_PASSWORD)
        assert client.get("/admin/").status_code == 200
        assert client.get(path).status_code == status, email


def test_the_demo_stays_a_spanish_shop_in_pesos_on_bogota_time(db):
    from bots.models import WidgetConfig

    call_command("seed_demo", stdout=io.StringIO())
    tenant = Tenant.objects.get(slug="kaiu-natural-living")
    assert (tenant.language, tenant.currency, tenant.time_zone) == ("es", "COP", "America/Bogota")
    bot = Bot.objects.get(tenant=tenant)
    assert bot.language == "es"
    assert bot.welcome_message == "¡Hola! ¿En qué te puedo ayudar hoy?"
    assert WidgetConfig.objects.get(bot=bot).starter_questions[0] == "¿Cuánto tarda el envío?"


def test_seed_demo_leaves_conversations_waiting_in_the_inbox(db, client, settings):
    from chat.models import Conversation

    call_command("seed_demo", stdout=io.StringIO())
    waiting = Conversation.objects.filter(tenant__slug="kaiu-natural-living", status="HANDED_OVER",
                                          waiting_since__isnull=False)
    assert waiting.count() == 3
    assert {c.handover_code for c in waiting} == {"asked", "unanswered", "order_not_found"}
    assert client.login(username="support@kaiu.demo", password=settings.DEMO_PASSWORD)
    page = client.get("/app/inbox/").content.decode()
    assert "frasco de eucalipto" in page
    assert client.get("/app/inbox/count/").content == b"3"


def test_seed_demo_adds_a_whatsapp_conversation_answered_by_the_bot(db):
    from chat.models import Conversation
    from chat.whatsapp.models import WhatsAppAccount, WhatsAppOutbound

    call_command("seed_demo", stdout=io.StringIO())
    conversation = Conversation.objects.get(tenant__slug="kaiu-natural-living", channel="WHATSAPP")
    assert conversation.customer.name == "Laura Méndez"
    assert conversation.phone == "+573005550101"
    roles = list(conversation.messages.values_list("role", flat=True))
    assert roles == ["user", "assistant", "user", "assistant"]
    status_answer = conversation.messages.filter(role="assistant").last().content
    assert "Tu pedido" in status_answer  # verified by her number, no phone asked
    assert set(WhatsAppOutbound.objects.filter(conversation=conversation).values_list("state", flat=True)) == {
        "READ"}
    assert not WhatsAppAccount.objects.get(bot=conversation.bot).is_enabled  # nothing goes to Meta
