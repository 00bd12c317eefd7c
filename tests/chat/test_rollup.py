"""The analytics daily rollup (chat.rollup): the pages show the same figures from it as from the
raw rows (the hand-counted set of test_analytics), at day boundaries in the tenant's zone and
after a change of zone; rolling up again changes nothing; today's rows count before any run."""

import io
import math
import random
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from chat import tasks
from chat.analytics import figures_for, period_for
from chat.models import AnalyticsDay, AnalyticsLatencyDay, AnalyticsRollup, Conversation, QueryLog
from chat.rollup import BUCKETS, PER_DOUBLING, analytics_rollup, percentile
from chat.services import conversation_start
from tests.chat.test_analytics import at, data, log  # noqa: F401 (data is the fixture)

NOV_10, NOV_11 = date(2026, 11, 10), date(2026, 11, 11)


def close(histogram, exact):
    """The stated precision: within 6 % of (time + 1 ms), or 0.15 ms for the shortest."""
    return abs(histogram - exact) <= 0.06 * (exact + 1) + 0.15


def comparable(f):
    """Every figure of the page but the percentiles (compared with `close`)."""
    return {name: value for name, value in vars(f).items() if name != "latency"}


def assert_same(rolled, raw):
    assert comparable(rolled) == comparable(raw)
    for p in ("p50", "p95"):
        for part, exact in raw.latency[p].items():
            assert close(rolled.latency[p][part], exact), (p, part, rolled.latency[p][part], exact)


def rollup_rows(tenant):
    return sorted(AnalyticsDay.objects.filter(tenant=tenant).values_list(
        "bot_id", "day", "channel", "model", "questions", "answered", "failed", "cache_hits", "curated_hits",
        "low_confidence", "tokens_in", "tokens_out", "conversations", "errors"))


@pytest.mark.django_db
@pytest.mark.parametrize("today", [date(2026, 11, 20), NOV_11, NOV_10])  # all, half, none of the range rolled
def test_the_rollup_gives_the_hand_counted_figures(tenant, data, today):  # noqa: F811
    bot, period = data["bot"], data["period"]
    raw_bot, raw_tenant = figures_for(tenant, period, bot=bot), figures_for(tenant, period)
    assert (raw_bot.questions, raw_bot.conversations, raw_tenant.questions, raw_tenant.conversations) == (5, 3, 6, 4)
    analytics_rollup(tenant, today=today)
    assert AnalyticsRollup.objects.get(tenant=tenant).rolled_until == today
    assert_same(figures_for(tenant, period, bot=bot), raw_bot)
    assert_same(figures_for(tenant, period), raw_tenant)
    if today > NOV_11:
        # The local day, not the UTC one: 23:59 in Bogotá on the 9th and on the 11th are their days.
        days = {}
        for day, questions in AnalyticsDay.objects.filter(tenant=tenant, bot=bot).values_list("day", "questions"):
            days[day] = days.get(day, 0) + questions
        assert days == {date(2026, 11, 9): 1, NOV_10: 2, NOV_11: 3, date(2026, 11, 12): 1}
        assert AnalyticsLatencyDay.objects.filter(tenant=tenant, bot=bot).count() == 4
        assert len(AnalyticsLatencyDay.objects.filter(tenant=tenant).first().counts) == 5 * BUCKETS


@pytest.mark.django_db
def test_a_conversation_spanning_rolled_and_raw_days_counts_once(tenant, data):  # noqa: F811
    # Conversation "a" asks on the 10th (rolled up) and again on the 11th (read raw).
    a = Conversation.objects.get(visitor_id="a")
    log(data["bot"], a, at(11, 20))
    analytics_rollup(tenant, today=NOV_11)
    f = figures_for(tenant, data["period"], bot=data["bot"])
    assert (f.conversations, [d["conversations"] for d in f.per_day]) == (3, [1, 3])
    analytics_rollup(tenant, today=date(2026, 11, 12))  # the 11th rolled up too: the same
    f = figures_for(tenant, data["period"], bot=data["bot"])
    assert (f.conversations, [d["conversations"] for d in f.per_day]) == (3, [1, 3])


@pytest.mark.django_db
def test_rolling_up_again_changes_nothing(tenant, other_tenant, data):  # noqa: F811
    analytics_rollup(tenant, today=date(2026, 11, 20))
    first = rollup_rows(tenant)
    assert first
    analytics_rollup(tenant, today=date(2026, 11, 20))
    assert rollup_rows(tenant) == first
    # The hourly task and the command, run twice each, roll up to the real today: the same rows.
    tasks.analytics_rollup()
    tasks.analytics_rollup()
    assert rollup_rows(tenant) == first
    call_command("analytics_rollup", stdout=io.StringIO())
    call_command("analytics_rollup", "--tenant", tenant.slug, "--since-last", stdout=io.StringIO())
    assert rollup_rows(tenant) == first
    assert_same(figures_for(tenant, data["period"]), figures_for(tenant, data["period"]))


@pytest.mark.django_db
def test_the_worker_has_the_rollup_on_its_schedule():
    from django_q.models import Schedule

    from kaiu.platform.tasks import ensure_schedules

    ensure_schedules()
    ensure_schedules()
    assert Schedule.objects.filter(func="chat.tasks.analytics_rollup", schedule_type=Schedule.HOURLY).count() == 1


@pytest.mark.django_db
def test_todays_questions_count_before_and_after_any_rollup(tenant, bot):
    conversation = conversation_start(bot=bot, channel="PAGE", visitor_id="t")
    log(bot, conversation, timezone.now() - timedelta(days=1), total_ms=10)
    QueryLog.objects.create(tenant=tenant, bot=bot, conversation=conversation, channel="PAGE", question="hoy",
                            origin="model", answered=True, total_ms=20)
    week = period_for(tenant, days=7)
    assert figures_for(tenant, week).questions == 2  # no rollup yet: all raw
    tasks.analytics_rollup()
    assert AnalyticsRollup.objects.get(tenant=tenant).rolled_until == week.until
    assert AnalyticsDay.objects.filter(tenant=tenant).count() == 1  # yesterday only
    QueryLog.objects.create(tenant=tenant, bot=bot, conversation=conversation, channel="PAGE", question="otra",
                            origin="unknown", answered=False, total_ms=30)
    f = figures_for(tenant, week)
    assert (f.questions, f.answered, f.conversations) == (3, 2, 1)


@pytest.mark.django_db
def test_a_new_time_zone_reads_raw_rows_until_the_tenants_rollup_is_rebuilt(tenant, data):  # noqa: F811
    analytics_rollup(tenant, today=date(2026, 11, 20))
    tenant.time_zone = "Asia/Kathmandu"  # UTC+5:45: its days start on no UTC hour
    tenant.save()
    period = period_for(tenant, since=NOV_10, until=NOV_11)
    raw = figures_for(tenant, period)  # the state's zone differs: exact, from the raw rows
    assert raw.per_day[0]["questions"] == 2  # 04:59 UTC on the 10th: the 9th in Bogotá, the 10th here
    analytics_rollup(tenant, today=date(2026, 11, 20))
    assert AnalyticsRollup.objects.get(tenant=tenant).time_zone == "Asia/Kathmandu"
    assert_same(figures_for(tenant, period), raw)


@pytest.mark.django_db
def test_another_tenants_rollup_shows_none_of_it(tenant, other_tenant, data):  # noqa: F811
    tasks.analytics_rollup()
    analytics_rollup(tenant, today=date(2026, 11, 20))
    analytics_rollup(other_tenant, today=date(2026, 11, 20))
    assert set(AnalyticsDay.objects.filter(tenant=other_tenant).values_list("bot__tenant", flat=True)) == {
        other_tenant.pk}
    f = figures_for(other_tenant, period_for(other_tenant, since=NOV_10, until=NOV_11))
    assert (f.questions, f.conversations, f.feedback["rated"], f.handovers["count"]) == (1, 1, 0, 0)
    mine = figures_for(tenant, data["period"])
    assert (mine.questions, mine.conversations) == (6, 4)


@pytest.mark.django_db
def test_the_page_reads_the_rollup_in_a_fixed_number_of_queries(owner_client, tenant, data,  # noqa: F811
                                                                 django_assert_max_num_queries):
    analytics_rollup(tenant, today=NOV_11)  # the 10th rolled up, the 11th raw
    with django_assert_max_num_queries(8):
        figures_for(tenant, data["period"], bot=data["bot"])
    url = "/app/analytics/?range=custom&since=2026-11-10&until=2026-11-11"
    with django_assert_max_num_queries(20) as small:
        assert owner_client.get(url).status_code == 200
    conversation = Conversation.objects.get(visitor_id="a")
    for n in range(50):
        log(data["bot"], conversation, at(10, 6, n), total_ms=n)  # rolled-up day
        log(data["bot"], conversation, at(11, 6, n), total_ms=n)  # raw day
    analytics_rollup(tenant, today=NOV_11)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = owner_client.get(url)
    assert "Questions per day" in page.content.decode()


def test_percentiles_from_the_histogram_keep_the_stated_precision():
    rng = random.Random(7)
    for size in (1, 2, 5, 40, 1000):
        values = sorted(rng.choice([0, 0.05, rng.uniform(0, 5), rng.lognormvariate(5, 1.5)]) for _ in range(size))
        counts = {}
        for v in values:  # the SQL's bucket_sql, in Python
            b = min(BUCKETS - 1, math.floor(math.log(1 + v) * PER_DOUBLING / math.log(2)))
            counts[b] = counts.get(b, 0) + 1
        for p in (0.5, 0.95):
            rank = p * (size - 1)
            low, high = math.floor(rank), math.ceil(rank)
            exact = values[low] + (rank - low) * (values[high] - values[low])  # percentile_cont
            assert close(percentile(counts, size, p), exact)
