import re
import time
from datetime import timedelta

from kaiu.accounts.models import ApiKey
from kaiu.accounts.services import api_key_authenticate


def create_key(client, name="Website"):
    page = client.post("/app/settings/api-keys/", {"name": name}, follow=True).content.decode()
    return re.search(r'id="new-key"[^>]*>(kaiu_[A-Za-z0-9_-]+)<', page).group(1)


def test_a_key_is_shown_once_and_stored_hashed(owner_client, tenant):
    secret = create_key(owner_client)
    stored = ApiKey.objects.get(tenant=tenant)
    assert secret not in stored.key_hash
    assert len(stored.key_hash) == 64
    assert secret.startswith(f"kaiu_{stored.prefix}_")
    assert secret not in owner_client.get("/app/settings/api-keys/").content.decode()
    assert "issued_api_key" not in owner_client.session  # nothing keeps it once shown
    assert api_key_authenticate(secret).tenant == tenant


def test_the_session_holds_a_new_key_only_encrypted_and_briefly(owner_client, tenant):
    from kaiu.accounts.dashboard import ISSUED_KEY_SECONDS
    from kaiu.crypto import decrypt, fernet

    owner_client.post("/app/settings/api-keys/", {"name": "Website"})
    session = owner_client.session
    held = session["issued_api_key"]["secret"]
    assert "kaiu_" not in str(dict(session))
    # The redirected page comes too late: the key was encrypted longer ago than it may be shown.
    made_long_ago = int(time.time()) - ISSUED_KEY_SECONDS - 60
    session["issued_api_key"]["secret"] = fernet().encrypt_at_time(decrypt(held).encode(), made_long_ago).decode()
    session.save()
    page = owner_client.get("/app/settings/api-keys/").content.decode()
    assert 'id="new-key"' not in page
    assert "came too late to show it" in page


def test_creating_a_key_redirects_so_a_reload_makes_no_second_one(owner_client, tenant):
    created = owner_client.post("/app/settings/api-keys/", {"name": "Website"})
    assert created.status_code == 302
    assert created["Location"] == "/app/settings/api-keys/"
    page = owner_client.get("/app/settings/api-keys/")
    assert "Your new key “Website”" in page.content.decode()
    assert page["Cache-Control"].startswith("max-age=0")
    owner_client.get("/app/settings/api-keys/")  # a reload
    assert ApiKey.objects.filter(tenant=tenant).count() == 1


def test_a_revoked_key_no_longer_authenticates(owner_client, tenant):
    secret = create_key(owner_client)
    key = ApiKey.objects.get(tenant=tenant)
    assert "Revoke “Website”?" in owner_client.get(f"/app/settings/api-keys/{key.pk}/revoke/").content.decode()
    assert api_key_authenticate(secret) is not None  # the confirmation page changed nothing
    owner_client.post(f"/app/settings/api-keys/{key.pk}/revoke/")
    assert api_key_authenticate(secret) is None


def test_a_made_up_key_does_not_authenticate(db):
    assert api_key_authenticate("kaiu_deadbeef_nothing") is None
    assert api_key_authenticate("sk-something") is None


def test_a_key_records_when_it_was_last_used_to_the_minute(owner_client, tenant):
    secret = create_key(owner_client)
    assert ApiKey.objects.get(tenant=tenant).last_used_at is None
    api_key_authenticate(secret)
    first_use = ApiKey.objects.get(tenant=tenant).last_used_at
    assert first_use is not None
    api_key_authenticate(secret)  # within the minute: no write
    assert ApiKey.objects.get(tenant=tenant).last_used_at == first_use
    ApiKey.objects.filter(tenant=tenant).update(last_used_at=first_use - timedelta(minutes=2))
    api_key_authenticate(secret)
    assert ApiKey.objects.get(tenant=tenant).last_used_at > first_use
