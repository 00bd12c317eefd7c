from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from kaiu.accounts.models import Currency, Language, LLMProvider, Role


class LoginForm(AuthenticationForm):
    username = forms.EmailField(label="E-mail", widget=forms.EmailInput(attrs={"autofocus": True,
                                                                               "autocomplete": "email"}))


class PasswordField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.PasswordInput(attrs={"autocomplete": "new-password"}))
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)


class SignupForm(forms.Form):
    full_name = forms.CharField(label="Your name", max_length=150)
    email = forms.EmailField(label="E-mail", widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = PasswordField(label="Password", help_text="At least 8 characters, not only digits.")
    business_name = forms.CharField(label="Business name", max_length=120)

    def __init__(self, *args, invitation=None, **kwargs):
        super().__init__(*args, **kwargs)
        if invitation is not None:
            # Joining a business by invitation: no new business, and the address is fixed.
            del self.fields["business_name"]
            self.fields["email"].initial = invitation.email
            self.fields["email"].disabled = True

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password"):
            from kaiu.accounts.models import User

            probe = User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(cleaned["password"], probe)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class TenantCreateForm(forms.Form):
    name = forms.CharField(label="Business name", max_length=120)


class TenantForm(forms.Form):
    name = forms.CharField(label="Business name", max_length=120)
    currency = forms.ChoiceField(choices=Currency.choices)
    language = forms.ChoiceField(choices=Language.choices, help_text="Default language of new bots.")


class LLMSettingsForm(forms.Form):
    provider = forms.ChoiceField(choices=LLMProvider.choices, label="Provider")
    base_url = forms.URLField(
        label="Base URL", required=False, assume_scheme="https", max_length=200,
        help_text="For OpenAI-compatible servers, e.g. https://llm.example.com/v1",
    )
    chat_model = forms.CharField(label="Chat model", max_length=120, required=False)
    embedding_model = forms.CharField(label="Embedding model", max_length=120, required=False)
    api_key = forms.CharField(
        label="API key", required=False, strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False),
        help_text="Stored encrypted. Leave empty to keep the current key (for the same provider and URL).",
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label="E-mail")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.SUPPORT)

    def __init__(self, *args, grantable_roles=None, **kwargs):
        super().__init__(*args, **kwargs)
        if grantable_roles is not None:
            self.fields["role"].choices = [(v, label) for v, label in Role.choices if v in grantable_roles]


class ApiKeyForm(forms.Form):
    name = forms.CharField(label="Key name", max_length=80, help_text="Where it will be used, e.g. “Website”.")
