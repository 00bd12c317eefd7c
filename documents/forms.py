from django import forms

from documents.search import MODES


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class UploadForm(forms.Form):
    files = forms.FileField(
        widget=MultipleFileInput(attrs={"multiple": True, "accept": ".pdf,.txt,.md,.markdown,.csv,.tsv,.json"}),
        label="Files", help_text="PDF, TXT, Markdown, CSV or JSON. Several at once are fine.",
    )

    def clean_files(self):
        return self.files.getlist("files")


class TextForm(forms.Form):
    title = forms.CharField(max_length=255)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=500_000)


class ChunkForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 10}))


class RetrievalTestForm(forms.Form):
    q = forms.CharField(label="Question", max_length=2000)
    mode = forms.ChoiceField(choices=[(m, m.title()) for m in MODES], initial="hybrid")
    k = forms.IntegerField(label="Top k", min_value=1, max_value=20, initial=5)
