"""The analytics figures on a small fixed data set, each computed by hand below.

The tenant keeps its days in America/Bogota (UTC-5, no summer time): 2026-11-10..11 there run
from 2026-11-10 05:00 to 2026-11-12 05:00 UTC, so rows a minute either side of those moments
are the day-boundary checks.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bots.services import bot_create
from chat.analytics import figures_for, period_for
from chat.models import Conversation, Feedback, Message, ModelPrice, QueryLog
from chat.services import conversation_start
from kaiu.accounts.services import api_key_create


def at(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def log(bot, conversation, when, **fields):
    values = {"channel": conversation.channel, "question": "¿Pregunta?", "origin": "model", "answered": True}
    values.update(fields)
    row = QueryLog.objects.create(tenant_id=bot.tenant_id, bot=bot, conversation=conversation, **values)
    QueryLog.objects.filter(pk=row.pk).update(created_at=when)  # auto_now_add otherwise
    return row


@pytest.fixture
def data(tenant, bot, owner, other_bot):
    tenant.time_zone = "America/Bogota"
    tenant.save()
    a = conversation_start(bot=bot, channel="PAGE", visitor_id="a")
    b = conversation_start(bot=bot, channel="PAGE", visitor_id="b")
    c = conversation_start(bot=bot, channel="API", visitor_id="c")
    tenant.plan.max_bots = 2
    tenant.plan.save()
    second = bot_create(tenant=tenant, template=None, name="Second", user=owner)
    d = conversation_start(bot=second, channel="PAGE", visitor_id="d")
    answer = Message.objects.create(conversation=a, role="assistant", content="Enviamos en 2 días.")
    wrong = Message.objects.create(conversation=b, role="assistant", content="Cuesta 10.")
    log(bot, a, at(10, 4, 59), total_ms=999)  # Nov 9, 23:59 in Bogotá: outside
    log(bot, a, at(10, 5), message=answer, model="gpt-4o-mini", total_ms=100, embed_ms=10, retrieve_ms=20,
        llm_ms=60, tokens_in=1_000_000, tokens_out=100_000, top_score=0.8)
    log(bot, a, at(11, 3), channel="WIDGET", origin="cache", model="gpt-4o-mini", total_ms=10)  # Nov 10, 22:00
    log(bot, b, at(11, 12), origin="unknown", answered=False, total_ms=50, embed_ms=10, retrieve_ms=30,
        reason="not found", top_score=0.1)
    log(bot, b, at(11, 13), origin="curated", model="curated", total_ms=5)
    log(bot, c, at(12, 4, 59), origin="error", answered=False, model="gpt-4o-mini", total_ms=200,
        tokens_in=2_000_000, error="The provider rejected the API key (401). Check that the key is correct.")
    log(bot, c, at(12, 5), total_ms=999)  # Nov 12 in Bogotá: outside
    log(second, d, at(11, 15), model="gpt-4o", total_ms=100)  # the other bot of the tenant
    log(other_bot, conversation_start(bot=other_bot, channel="PAGE"), at(11, 12), total_ms=1)  # another tenant
    Feedback.objects.create(message=answer, rating=1)
    Feedback.objects.create(message=wrong, rating=-1, comment="=El precio está mal")
    Feedback.objects.update(created_at=at(11, 14))
    Conversation.objects.filter(pk=b.pk).update(handover_code="asked", status="HANDED_OVER",
                                                handover_reason="The customer asked for a person.",
                                                created_at=at(11, 11), updated_at=at(11, 16))
    return {"bot": bot, "second": second, "period": period_for(tenant, since=date(2026, 11, 10),
                                                               until=date(2026, 11, 11))}


@pytest.mark.django_db
def test_the_bots_figures_match_the_hand_count(tenant, data, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        f = figures_for(tenant, data["period"], bot=data["bot"])
    assert (f.questions, f.answered, f.unanswered, f.errors, f.conversations) == (5, 3, 1, 1, 3)
    assert (f.answered_rate, f.cache_rate, f.curated_rate) == (60.0, 20.0, 20.0)
    # totals 5, 10, 50, 100, 200: median 50; p95 at rank 3.8 = 100 + 0.8 × 100
    assert f.latency["p50"] == {"total": 50, "embed": 0, "retrieve": 0, "llm": 0, "other": 10}
    # retrieve 0, 0, 0, 20, 30 → 20 + 0.8 × 10; llm 0, 0, 0, 0, 60 → 48;
    # other (total - parts) 5, 10, 10, 10, 200 → 10 + 0.8 × 190
    assert f.latency["p95"] == {"total": 180, "embed": 10, "retrieve": 28, "llm": 48, "other": 162}
    assert f.per_day == [{"day": date(2026, 11, 10), "questions": 2, "answered": 2, "conversations": 1},
                         {"day": date(2026, 11, 11), "questions": 3, "answered": 1, "conversations": 2}]
    assert {c["channel"]: (c["questions"], c["share"]) for c in f.channels} == {
        "PAGE": (3, 60.0), "WIDGET": (1, 20.0), "API": (1, 20.0)}
    [mini] = [m for m in f.models if m["model"] == "gpt-4o-mini"]
    # default price 0.15 / 0.60 USD per million: 3M in → 0.45, 0.1M out → 0.06
    assert (mini["questions"], mini["tokens_in"], mini["tokens_out"], mini["cost"]) == (3, 3_000_000, 100_000,
                                                                                        Decimal("0.51"))
    assert f.costs == [{"currency": "USD", "amount": Decimal("0.51")}]
    assert f.error_kinds == [{"kind": "Key rejected", "count": 1, "example": f.error_kinds[0]["example"]}]
    assert (f.feedback["up"], f.feedback["down"], f.feedback["helpful_rate"]) == (1, 1, 50.0)
    assert [x["comment"] for x in f.feedback["latest_negative"]] == ["=El precio está mal"]
    assert f.handovers == {"count": 1, "reasons": [{"reason": "Asked for a person", "count": 1}]}


@pytest.mark.django_db
def test_the_tenants_figures_add_its_other_bot_and_its_own_prices(tenant, data):
    ModelPrice.objects.create(tenant=tenant, model="gpt-4o-mini", input_per_million=Decimal("1"),
                              output_per_million=Decimal("2"), currency="USD")
    f = figures_for(tenant, data["period"])
    assert (f.questions, f.answered, f.conversations) == (6, 4, 4)
    costs = {m["model"]: (m["cost"], m["price_source"]) for m in f.models}
    assert costs["gpt-4o-mini"] == (Decimal("3.2"), "yours")  # 3M × 1 + 0.1M × 2
    assert costs["gpt-4o"] == (Decimal("0"), "default")
    assert costs["curated"] == (Decimal("0"), "free")


@pytest.mark.django_db
def test_another_tenant_sees_none_of_it(other_tenant, data):
    f = figures_for(other_tenant, period_for(other_tenant, since=date(2026, 11, 10), until=date(2026, 11, 11)))
    assert (f.questions, f.conversations, f.feedback["rated"], f.handovers["count"]) == (1, 1, 0, 0)


@pytest.mark.django_db
def test_the_page_shows_the_figures_in_a_fixed_number_of_queries(owner_client, tenant, data,
                                                                   django_assert_max_num_queries):
    url = "/app/analytics/?range=custom&since=2026-11-10&until=2026-11-11"
    with django_assert_max_num_queries(20) as small:
        response = owner_client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Questions per day" in page
    assert "<svg" in page
    assert "0.51" in page
    assert "Asked for a person" in page
    assert "Key rejected" in page
    # Ten times the rows: not one query more.
    bot, conversation = data["bot"], Conversation.objects.filter(visitor_id="a").get()
    for n in range(50):
        log(bot, conversation, at(11, 6, n), total_ms=n)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert owner_client.get(url).status_code == 200


@pytest.mark.django_db
def test_support_sees_the_figures_but_not_the_costs(client, member_with_role, data):
    client.force_login(member_with_role("SUPPORT"))
    page = client.get("/app/analytics/?range=custom&since=2026-11-10&until=2026-11-11").content.decode()
    assert "Questions per day" in page
    assert "estimated cost" not in page.lower()
    assert "Tokens in" not in page
    assert client.get("/app/analytics/prices/").status_code == 403
    assert client.get("/app/analytics/gaps/").status_code == 200


@pytest.mark.django_db
def test_warehouse_sees_no_analytics(client, member_with_role, data):
    client.force_login(member_with_role("WAREHOUSE"))
    for url in ("/app/analytics/", "/app/analytics/gaps/", "/app/analytics/questions.csv"):
        assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_the_per_bot_page_is_404_for_another_tenants_bot(owner_client, other_bot, data):
    assert owner_client.get(f"/app/analytics/bots/{other_bot.public_id}/").status_code == 404
    assert owner_client.get(f"/app/analytics/bots/{data['bot'].public_id}/").status_code == 200


@pytest.mark.django_db
def test_an_owner_edits_a_price(owner_client, tenant):
    response = owner_client.post("/app/analytics/prices/", {"model": "my-model", "input_per_million": "0.5",
                                                            "output_per_million": "1.25", "currency": "eur"})
    assert response.status_code == 302
    price = ModelPrice.objects.get(tenant=tenant, model="my-model")
    assert (price.input_per_million, price.output_per_million, price.currency) == (Decimal("0.5"),
                                                                                 Decimal("1.25"), "EUR")


@pytest.mark.django_db
def test_the_json_endpoint_takes_an_api_key_and_gives_the_same_figures(client, tenant, owner, data, other_bot):
    secret = api_key_create(tenant=tenant, name="BI", created_by=owner).secret
    url = "/api/v1/analytics?range=custom&since=2026-11-10&until=2026-11-11"
    assert client.get(url).status_code == 401
    response = client.get(url + f"&bot={data['bot'].public_id}", HTTP_AUTHORIZATION=f"Bearer {secret}")
    body = response.json()
    assert (body["questions"], body["answered"], body["conversations"]) == (5, 3, 3)
    assert body["latency"]["p95"]["total"] == 180
    assert body["costs"] == [{"currency": "USD", "amount": 0.51}]
    assert body["per_day"][0] == {"day": "2026-11-10", "questions": 2, "answered": 2, "conversations": 1}
    response = client.get(url + f"&bot={other_bot.public_id}", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 404


def test_ranges_are_whole_days_in_the_tenants_zone():
    from types import SimpleNamespace

    tenant = SimpleNamespace(time_zone="Europe/Stockholm")
    week = period_for(tenant, days=7, today=date(2026, 3, 31))
    assert (week.since, week.until, len(week.days)) == (date(2026, 3, 25), date(2026, 3, 31), 7)
    # Summer time began on 29 March: that day had 23 hours, and the range's bounds say so.
    assert week.start == datetime(2026, 3, 24, 23, 0, tzinfo=UTC)
    assert week.end == datetime(2026, 3, 31, 22, 0, tzinfo=UTC)
    assert len(period_for(tenant, days=5, today=date(2026, 3, 31)).days) == 30  # only 7, 30 or 90
    backwards = period_for(tenant, since=date(2026, 2, 1), until=date(2026, 1, 1))
    assert (backwards.since, backwards.until) == (date(2026, 1, 1), date(2026, 2, 1))
    long = period_for(tenant, since=date(2020, 1, 1), until=date(2026, 1, 1))
    assert len(long.days) == 366


def test_the_range_shown_is_the_range_counted(owner_client, data):
    page = owner_client.get("/app/analytics/").content.decode()
    assert '<option value="30" selected>Last 30 days</option>' in page  # the default, 30 days
    page = owner_client.get("/app/analytics/", {"range": "7"}).content.decode()
    assert '<option value="7" selected>Last 7 days</option>' in page


def test_our_own_messages_are_free_and_an_unknown_model_asks_for_a_price(tenant):
    from chat.analytics import price_table

    table = price_table(tenant, ["kaiu-handover", "kaiu-shop", "my-local-llama"])
    assert table["kaiu-handover"]["source"] == "free"  # "a person will reply" costs no provider
    assert table["kaiu-shop"]["source"] == "free"
    assert table["my-local-llama"]["source"] == "none"
