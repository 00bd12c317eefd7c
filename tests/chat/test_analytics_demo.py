"""seed_demo leaves the demo business analytics worth a look: two weeks of questions, some
answered from the cache, and the gaps its knowledge base has."""

import io

import pytest
from django.core.management import call_command

from chat.analytics import figures_for, period_for
from chat.gaps import gap_list
from kaiu.accounts.models import Tenant


@pytest.mark.django_db
def test_the_demo_has_a_fortnight_of_questions_and_three_gaps(client, settings):
    call_command("seed_demo", stdout=io.StringIO())
    tenant = Tenant.objects.get(slug="kaiu-natural-living")
    figures = figures_for(tenant, period_for(tenant, days=30))
    assert figures.questions == 22  # 20 in the history, 2 in the WhatsApp conversation
    assert figures.cache_hits >= 1
    assert figures.unanswered >= 6
    assert sum(1 for day in figures.per_day if day["questions"]) >= 10
    assert figures.feedback["down"] == 1
    assert figures.handovers["count"] == 4  # the thumbs-down one, and the 3 waiting in the inbox
    gaps = gap_list(tenant, period_for(tenant, days=30))
    assert any("tienda" in gap.question.lower() and gap.count == 3 for gap in gaps)
    assert client.login(username="owner@kaiu.demo", password=settings.DEMO_PASSWORD)
    assert "Questions per day" in client.get("/app/analytics/").content.decode()
