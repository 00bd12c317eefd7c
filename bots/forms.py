from django import forms

from bots.models import Bot, Template


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
        fields = ["name", "description", "language", "welcome_message"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"welcome_message": "The first thing visitors read when they open the chat."}
