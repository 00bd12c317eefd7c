def test_overview_renders_for_owner(owner_client, bot):
    response = owner_client.get("/app/")
    assert response.status_code == 200
    assert b"Alpha Shop" in response.content
