"""The plan's bot limit is said before the form: "New bot" is not offered at the limit, and
the form page itself says why."""

from bots.models import Bot
from bots.services import bot_create
from kaiu.accounts.models import Plan


def _at_the_limit(tenant):
    Plan.objects.filter(pk=tenant.plan_id).update(max_bots=1, name="Free")
    tenant.refresh_from_db()
    bot_create(tenant=tenant, template=None, name="One")


def test_below_the_limit_new_bot_is_offered(owner_client, tenant):
    Plan.objects.filter(pk=tenant.plan_id).update(max_bots=2)
    bot_create(tenant=tenant, template=None, name="One")
    page = owner_client.get("/app/bots/").content.decode()
    assert 'href="/app/bots/new/"' in page
    assert 'id="bot-limit"' not in page
    assert 'name="name"' in owner_client.get("/app/bots/new/").content.decode()


def test_at_the_limit_the_list_says_why_instead_of_offering_new_bot(owner_client, tenant):
    _at_the_limit(tenant)
    page = owner_client.get("/app/bots/").content.decode()
    assert 'href="/app/bots/new/"' not in page
    assert '<button type="button" class="button button-primary" disabled aria-describedby="bot-limit">New bot' in page
    assert "Your Free plan allows 1 bot. Delete one or upgrade your plan to add more." in page
    assert "write to KAIU support" in page


def test_at_the_limit_the_form_page_says_why_and_shows_no_form(owner_client, tenant):
    _at_the_limit(tenant)
    page = owner_client.get("/app/bots/new/").content.decode()
    assert "Your Free plan allows 1 bot." in page
    assert 'name="name"' not in page
    assert "Create bot" not in page


def test_a_form_sent_at_the_limit_is_still_refused(owner_client, tenant):
    _at_the_limit(tenant)
    response = owner_client.post("/app/bots/new/", {"template": "", "name": "Two"})
    assert response.status_code == 200
    assert "allows 1 bot" in response.content.decode()
    assert list(Bot.objects.filter(tenant=tenant).values_list("name", flat=True)) == ["One"]


def test_a_plan_without_bots_offers_no_first_bot(owner_client, tenant):
    Plan.objects.filter(pk=tenant.plan_id).update(max_bots=0)
    page = owner_client.get("/app/bots/").content.decode()
    assert "Create your first bot" not in page
    assert "allows 0 bots" in page
