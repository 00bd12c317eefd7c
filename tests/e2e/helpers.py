"""What several browser tests share: the two screen sizes and signing in."""

# A desktop and a phone (an iPhone 12-15's CSS pixels).
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def log_in(page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("button:has-text('Log in')")
    page.wait_for_url("**/app/")
