import json

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from kaiu.accounts.hours import DAY_NAMES, HoursError, ranges_format, ranges_parse
from kaiu.accounts.models import Language, LLMProvider, Role
from kaiu.currencies import REGION_CURRENCY, currency_choices
from kaiu.timezones import time_zone_choices


class LoginForm(AuthenticationForm):
    username = forms.EmailField(label="E-mail", widget=forms.EmailInput(attrs={"autofocus": True,
                                                                               "autocomplete": "email"}))


class PasswordField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.PasswordInput(attrs={"autocomplete": "new-password"}))
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)


class BusinessLocaleForm(forms.Form):
    """A business's language, currency and time zone: asked at sign-up, for a new business,
    and in Settings. Without JavaScript the defaults are English, USD and UTC."""

    language = forms.ChoiceField(
        choices=Language.choices, initial=Language.EN,
        help_text="The language your bots speak (English or Spanish for now). New bots start in it, with their "
                  "welcome message, starter questions and prompt written in it.")
    currency = forms.ChoiceField(choices=currency_choices, initial="USD", help_text="The currency you price in.")
    time_zone = forms.ChoiceField(choices=time_zone_choices, initial="UTC", label="Time zone",
                                  help_text="Dates in the dashboard are shown in it.")

    def suggest_from_browser(self) -> None:
        """Mark the fields for static/js/business-defaults.js, which pre-selects the browser's
        language, its region's currency and its time zone. Only on a blank form: once the person
        has sent it (or a refused form is shown again), what they chose stays."""
        if self.is_bound or self.initial:
            return
        for name in ("language", "currency", "time_zone"):
            self.fields[name].widget.attrs["data-browser-default"] = name
        self.fields["currency"].widget.attrs["data-region-currencies"] = json.dumps(REGION_CURRENCY)


class SignupForm(BusinessLocaleForm):
    field_order = ["full_name", "email", "password", "business_name"]

    full_name = forms.CharField(label="Your name", max_length=150)
    email = forms.EmailField(label="E-mail", widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = PasswordField(label="Password", help_text="At least 8 characters, not only digits.")
    business_name = forms.CharField(label="Business name", max_length=120)

    def __init__(self, *args, invitation=None, **kwargs):
        super().__init__(*args, **kwargs)
        if invitation is not None:
            # Joining a business by invitation: no new business, and the address is fixed.
            for name in ("business_name", *BusinessLocaleForm.base_fields):
                del self.fields[name]
            self.fields["email"].initial = invitation.email
            self.fields["email"].disabled = True
        else:
            self.suggest_from_browser()

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


class TenantCreateForm(BusinessLocaleForm):
    field_order = ["name"]

    name = forms.CharField(label="Business name", max_length=120)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.suggest_from_browser()


class TenantForm(BusinessLocaleForm):
    """Settings: the business as it is, changed by its owner."""

    field_order = ["name"]

    name = forms.CharField(label="Business name", max_length=120)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A zone no longer offered (an old alias such as US/Eastern) stays selectable for the
        # business that has it, so saving other settings does not move it to another zone.
        current = self.initial.get("time_zone")
        field = self.fields["time_zone"]
        if current and current not in {value for value, _ in field.choices}:
            field.choices = [(current, current), *field.choices]

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


class BusinessHoursForm(forms.Form):
    """When people answer the chat: one line of ranges per weekday, empty for closed."""

    def __init__(self, *args, hours: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for day, name in enumerate(DAY_NAMES["en"]):
            self.fields[str(day)] = forms.CharField(
                label=name, required=False, max_length=100, initial=ranges_format((hours or {}).get(str(day))),
                widget=forms.TextInput(attrs={"placeholder": "Closed"}))

    def clean(self):
        cleaned = super().clean()
        hours = {}
        for day in range(7):
            try:
                ranges = ranges_parse(cleaned.get(str(day), ""))
            except HoursError as error:
                self.add_error(str(day), str(error))
                continue
            if ranges:
                hours[str(day)] = ranges
        cleaned["hours"] = hours
        return cleaned
