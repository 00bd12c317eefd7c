from django import forms


class WhatsAppAccountForm(forms.Form):
    phone_number_id = forms.CharField(
        label="Phone number ID", max_length=32,
        help_text="Meta for Developers → your app → WhatsApp → API Setup → “Phone number ID” (digits).")
    display_phone = forms.CharField(label="Phone number", max_length=32, required=False,
                                    help_text="As customers see it, like +57 300 123 4567.")
    access_token = forms.CharField(
        label="Access token", required=False, strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False),
        help_text="A permanent token of a system user with the whatsapp_business_messaging permission. "
                  "Stored encrypted; leave empty to keep the current one.")
    app_secret = forms.CharField(
        label="App secret", required=False, strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False),
        help_text="App settings → Basic → App secret: it signs every webhook call. Stored encrypted; leave "
                  "empty to keep the current one.")
    verify_token = forms.CharField(
        label="Verify token", max_length=100, required=False,
        help_text="Any secret phrase; paste the same in Meta's webhook settings. Empty: a random one.")
    is_enabled = forms.BooleanField(label="Answer WhatsApp messages", required=False, initial=True)
