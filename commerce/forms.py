"""The shop dashboard's forms. They only read and check what was typed; the writes are
commerce.services' (a view passes cleaned_data to them)."""

from django import forms

from commerce.csv_io import plain_amount
from commerce.images import MAX_IMAGE_BYTES, InvalidImage, image_check
from commerce.models import OrderStatus
from commerce.selectors import TO_SHIP
from kaiu.currencies import parse_money, shown_digits

MAX_CSV_BYTES = 5 * 1024 * 1024


class DateRangeMixin:
    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError("“From” is after “To”: no day can be in that range.")
        return cleaned


class ProductFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, SKU or variant"}))
    active = forms.ChoiceField(required=False, label="Status", choices=[
        ("", "Active and inactive"), ("yes", "Active"), ("no", "Inactive")])
    stock = forms.ChoiceField(required=False, choices=[
        ("", "Any stock"), ("short", "Low or out"), ("low", "Low"), ("out", "Out of stock")])

    def selector_filters(self) -> dict:
        data = self.cleaned_data
        return {"search": data["q"].strip(), "active": {"yes": True, "no": False}.get(data["active"]),
                "stock": data["stock"]}


class MoneyField(forms.CharField):
    """An amount typed as people write it ("45900", "45.900", "12.50"), cleaned to minor units."""

    def __init__(self, *args, currency: str = "USD", **kwargs):
        self.currency = currency
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return None
        try:
            return parse_money(value, self.currency)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


def price_example(currency: str) -> str:
    """How to type a price here: pesos have no decimals on price tags, dollars do."""
    return "45900" if shown_digits(currency) == 0 else "45.90 or 45"


class ProductForm(forms.Form):
    sku = forms.CharField(label="SKU", max_length=64, help_text="Your code for it, unique in your shop. It cannot "
                                                                "change later.")
    name = forms.CharField(max_length=200)
    variant_name = forms.CharField(max_length=120, required=False, label="Variant",
                                   help_text="Like “10 ml gotero”; leave empty when there is only one.")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text="The bot answers questions about the product from this.")
    price = MoneyField()
    stock = forms.IntegerField(min_value=0, initial=0, label="Opening stock",
                               help_text="Units on the shelf now. Later changes go through “Adjust stock”.")
    image = forms.FileField(required=False, help_text=f"PNG, JPEG, GIF or WebP, up to "
                                                      f"{MAX_IMAGE_BYTES // 2**20} MB. Shown in the chat too.",
                            widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,"
                                                                             "image/webp"}))
    weight_grams = forms.IntegerField(min_value=0, required=False, label="Weight (g)")
    length_mm = forms.IntegerField(min_value=0, required=False, label="Length (mm)")
    width_mm = forms.IntegerField(min_value=0, required=False, label="Width (mm)")
    height_mm = forms.IntegerField(min_value=0, required=False, label="Height (mm)")

    CATALOGUE_FIELDS = ("name", "variant_name", "description", "price", "weight_grams", "length_mm", "width_mm",
                        "height_mm")

    def __init__(self, *args, currency: str, product=None, **kwargs):
        if product is not None:
            kwargs.setdefault("initial", {
                **{name: getattr(product, name) for name in self.CATALOGUE_FIELDS},
                "sku": product.sku, "price": plain_amount(product.price, currency)})
        super().__init__(*args, **kwargs)
        self.fields["price"].currency = currency
        self.fields["price"].help_text = f"In {currency}, like {price_example(currency)}."
        if product is not None:  # the SKU is fixed once orders may name it; stock moves by adjustment
            del self.fields["sku"], self.fields["stock"]

    def clean_image(self):
        image = self.cleaned_data["image"]
        if image:  # checked here too, so a bad image stops the form before anything is saved
            try:
                image_check(image)
            except InvalidImage as error:
                raise forms.ValidationError(str(error)) from None
        return image

    def catalogue_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.CATALOGUE_FIELDS}


class StockAdjustForm(forms.Form):
    delta = forms.IntegerField(label="Change", min_value=-2_000_000_000, max_value=2_000_000_000,
                               help_text="Units to add, like 12, or to take away, like -3.")
    reason = forms.CharField(max_length=200, help_text="A delivery, a count, damage...")

    def clean_delta(self):
        if self.cleaned_data["delta"] == 0:
            raise forms.ValidationError("The change must be a whole number other than 0.")
        return self.cleaned_data["delta"]


class CsvImportForm(forms.Form):
    file = forms.FileField(label="CSV file", widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(f"The file is {upload.size / 2**20:.1f} MB; the limit is "
                                        f"{MAX_CSV_BYTES // 2**20} MB.")
        return upload


class CustomerFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, e-mail, phone or ID"}))


class OrderFilterForm(DateRangeMixin, forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=100,
                        widget=forms.TextInput(attrs={"type": "search",
                                                      "placeholder": "Order number or customer"}))
    status = forms.ChoiceField(required=False, choices=[
        ("", "Any status"), (TO_SHIP, "To ship (confirmed to pickup)"), *OrderStatus.choices])
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    customer = forms.UUIDField(required=False, widget=forms.HiddenInput)


class OrderTransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=OrderStatus.choices)
    note = forms.CharField(required=False, max_length=500)


class TrackingForm(forms.Form):
    carrier = forms.CharField(required=False, max_length=80)
    tracking_number = forms.CharField(required=False, max_length=80)
    tracking_url = forms.URLField(required=False, max_length=500, assume_scheme="https", label="Tracking link")
