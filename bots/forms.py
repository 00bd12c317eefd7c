from django import forms

from bots.models import Bot, Template, WidgetConfig, normalize_domain


class BotCreateForm(forms.Form):
    template = forms.ModelChoiceField(
        queryset=Template.objects.filter(is_active=True), required=False, empty_label="Blank bot",
        widget=forms.RadioSelect, help_text="The template's prompt and retrieval settings are copied in.",
    )
    name = forms.CharField(max_length=80)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class BotForm(forms.ModelForm):
    class Meta:
        model = Bot
        fields = ["name", "description", "language"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class LinesField(forms.CharField):
    """A textarea edited as one item per line, cleaned to a list without blanks."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class WidgetConfigForm(forms.ModelForm):
    # The bot's own field, edited here beside the preview: the one place it is edited.
    welcome_message = forms.CharField(max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                      help_text="The first thing visitors read when they open the chat, on the public "
                                                "page, in the widget and in the playground. Empty: no welcome.")
    starter_questions = LinesField(
        required=False, help_text="One per line, up to 6. Shown as buttons before the first question."
    )
    allowed_domains = LinesField(
        required=False,
        help_text="One per line, e.g. <code>shop.example.com</code> or <code>*.example.com</code>, with the port if "
                  "the site has one (<code>localhost:8080</code>). The widget works only on these sites; with none it "
                  "embeds nowhere (the public page still works).")

    class Meta:
        model = WidgetConfig
        fields = ["header_text", "primary_color", "welcome_message", "starter_questions", "position", "auto_open",
                  "allowed_domains"]
        widgets = {"primary_color": forms.TextInput(attrs={"type": "color"})}
        labels = {"auto_open": "Open by itself when the page loads"}

    def clean_starter_questions(self):
        questions = self.cleaned_data["starter_questions"]
        if len(questions) > 6:
            raise forms.ValidationError("Up to 6 starter questions.")
        if any(len(q) > 120 for q in questions):
            raise forms.ValidationError("Keep each starter question under 120 characters.")
        return questions

    def clean_allowed_domains(self):
        domains, invalid = [], []
        for line in self.cleaned_data["allowed_domains"]:
            domain = normalize_domain(line)
            (domains if domain else invalid).append(domain or line)
        if invalid:
            raise forms.ValidationError(f"Not a domain: {', '.join(invalid)}. Write it like shop.example.com.")
        return list(dict.fromkeys(domains))


class PromptForm(forms.Form):
    name = forms.CharField(max_length=80, required=False, help_text="What changed, e.g. “Shorter answers”.")
    content = forms.CharField(widget=forms.Textarea(attrs={"rows": 14}), label="System prompt",
                              help_text="Who the bot is and how it should answer. KAIU adds its own rules: answer "
                                        "only from the passages, cite them, treat them as data.")


CERTAINTY_CHOICES = [("strict", "Strict"), ("balanced", "Balanced (recommended)"), ("lenient", "Lenient")]


class BotSettingsForm(forms.Form):
    search_mode = forms.ChoiceField(choices=[("hybrid", "Hybrid (vector + keyword, recommended)"),
                                             ("vector", "Vector only"), ("keyword", "Keyword only")])
    top_k = forms.IntegerField(min_value=1, max_value=20, label="Passages per answer",
                               help_text="How many passages the model reads for each question.")
    certainty = forms.ChoiceField(
        choices=CERTAINTY_CHOICES, label="How sure must the bot be",
        help_text="Strict says “I don't know” more often and is wrong less; lenient answers more, from weaker "
                  "matches. Balanced suits most bots.")
    curated_certainty = forms.ChoiceField(
        choices=CERTAINTY_CHOICES, label="How close must a question be to a curated answer",
        help_text="Strict serves your own answer only to near rewordings of its question; lenient to looser "
                  "paraphrases.")
    knows_shop = forms.BooleanField(
        required=False, label="Knows the shop",
        help_text="Answers about your products with their live price and stock, tells a customer who proves "
                  "it is theirs where an order is, and takes cash-on-delivery orders in the chat.")
    handover_after_unanswered = forms.IntegerField(
        required=False, min_value=0, max_value=20, label="Hand over to a person after",
        help_text="This many questions in a row the bot cannot answer, and a person of your team takes the "
                  "conversation (it waits in the Inbox). 0: never for this reason; empty: unchanged.")
    chunk_size = forms.IntegerField(min_value=200, max_value=4000, help_text="Characters per passage.")
    chunk_overlap = forms.IntegerField(min_value=0, max_value=2000, help_text="Characters shared by neighbours.")
    chat_model = forms.CharField(max_length=120, required=False,
                                 help_text="Empty: the model set in Settings → AI provider.")
    temperature = forms.FloatField(min_value=0, max_value=2, help_text="0 is most literal; 1 and above more varied.")

    def __init__(self, *args, advanced: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not advanced:
            from bots.services import ADVANCED_RAG_FIELDS

            for name in ADVANCED_RAG_FIELDS:
                self.fields[name].disabled = True
                self.fields[name].help_text = "Available on plans with advanced retrieval."
