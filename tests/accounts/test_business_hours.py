"""Business hours (kaiu.accounts.hours): edited by owners and admins, one line per weekday."""

import pytest

from kaiu.accounts.hours import HoursError, is_open, ranges_parse

pytestmark = pytest.mark.django_db


def test_new_businesses_answer_monday_to_friday_nine_to_six(tenant):
    assert tenant.business_hours == {str(day): [["09:00", "18:00"]] for day in range(5)}


def test_the_owner_edits_the_hours_in_the_settings(owner_client, tenant):
    page = owner_client.get("/app/settings/hours/").content.decode()
    assert 'value="09:00-18:00"' in page
    days = {str(day): "" for day in range(7)}
    response = owner_client.post("/app/settings/hours/", {**days, "0": "8-12, 14:00-18:30", "5": "09:00-13:00"},
                                 follow=True)
    assert "Business hours saved." in response.content.decode()
    tenant.refresh_from_db()
    assert tenant.business_hours == {"0": [["08:00", "12:00"], ["14:00", "18:30"]], "5": [["09:00", "13:00"]]}


def test_hours_that_cannot_be_read_are_said_and_nothing_changes(owner_client, tenant):
    days = {str(day): "" for day in range(7)}
    response = owner_client.post("/app/settings/hours/", {**days, "2": "nueve a seis"})
    assert "is not a range" in response.content.decode()
    tenant.refresh_from_db()
    assert "2" in tenant.business_hours


@pytest.mark.parametrize("text", ["18:00-09:00", "25:00-26:00", "9-", "09:61-10:00"])
def test_ranges_must_be_times_of_day_in_order(text):
    with pytest.raises(HoursError):
        ranges_parse(text)


def test_support_staff_may_not_change_the_hours(client, member_with_role):
    client.force_login(member_with_role("SUPPORT"))
    assert client.get("/app/settings/hours/").status_code == 403


def test_open_is_read_in_the_businesss_time_zone(tenant):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    tenant.time_zone = "America/Bogota"
    tenant.save()
    utc = ZoneInfo("UTC")
    assert is_open(tenant, datetime(2026, 12, 2, 14, 0, tzinfo=utc))  # Wednesday 09:00 in Bogotá
    assert not is_open(tenant, datetime(2026, 12, 2, 13, 59, tzinfo=utc))  # 08:59 there
    assert not is_open(tenant, datetime(2026, 12, 5, 15, 0, tzinfo=utc))  # Saturday
