from django import forms

from documents.search import MODES


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Django's documented way to accept several files in one field, except that an empty
    file passes: the upload service refuses that one file with its reason and keeps the rest."""

    def __init__(self, **kwargs):
        super().__init__(allow_empty_file=True, **kwargs)

    def clean(self, data, initial=None):
        items = data if isinstance(data, (list, tuple)) else [data] if data else []
        if not items:  # an empty list passed the per-file check and the upload did nothing
            raise forms.ValidationError(self.error_messages["required"], code="required")
        clean_one = super().clean
        return [clean_one(item, initial) for item in items]


class UploadForm(forms.Form):
    files = MultipleFileField(
        widget=MultipleFileInput(attrs={"accept": ".pdf,.txt,.md,.markdown,.csv,.tsv,.json"}),
        label="Files", help_text="PDF, TXT, Markdown, CSV or JSON. Several at once are fine.",
    )


class TextForm(forms.Form):
    title = forms.CharField(max_length=255)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=500_000)


class ChunkForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 10}))


class RetrievalTestForm(forms.Form):
    q = forms.CharField(label="Question", max_length=2000)
    mode = forms.ChoiceField(choices=[(m, m.title()) for m in MODES], initial="hybrid")
    k = forms.IntegerField(label="Top k", min_value=1, max_value=20, initial=5)
