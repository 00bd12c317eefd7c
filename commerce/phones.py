"""Phone numbers in E.164 (+573001234567), the form carriers and WhatsApp use, from what people
type ("300 123 4567", "(300) 123-4567", "0057 300...", "+57 300..."). A number written without
its country code takes the business's country, read from its currency where one country uses
it (COP → Colombia). A full parser (libphonenumber) would also check each country's lengths;
shops here need one stored form to find a customer by, so length is checked only against
E.164's bounds.
"""

import re

from kaiu.currencies import REGION_CURRENCY

# Country calling codes of the regions a KAIU shop is most likely in; elsewhere a number is
# written with its "+" code.
CALLING_CODES = {
    "AR": "54", "BO": "591", "BR": "55", "CA": "1", "CL": "56", "CO": "57", "CR": "506", "CU": "53",
    "DO": "1", "EC": "593", "ES": "34", "GB": "44", "GT": "502", "HN": "504", "MX": "52", "NI": "505",
    "PA": "507", "PE": "51", "PR": "1", "PY": "595", "SV": "503", "US": "1", "UY": "598", "VE": "58",
    "DE": "49", "FR": "33", "IT": "39", "PT": "351",
}
# Where a national number keeps its leading 0 (elsewhere it is the trunk prefix, dropped).
_KEEPS_LEADING_ZERO = {"IT"}

_SEPARATORS = re.compile(r"[\s\-().·/]")


class InvalidPhone(ValueError):
    pass


def region_for_currency(currency: str) -> str | None:
    """The one region that uses `currency`, or None when several do (EUR, USD)."""
    regions = [region for region, code in REGION_CURRENCY.items() if code == currency]
    return regions[0] if len(regions) == 1 else None


def phone_normalize(raw: str, *, region: str | None) -> str:
    """`raw` in E.164, or "" for an empty one. Raises InvalidPhone with a message for people."""
    text = _SEPARATORS.sub("", raw or "")
    if not text:
        return ""
    if text.startswith("00"):
        text = "+" + text[2:]
    if text.startswith("+"):
        digits = text[1:]
    else:
        code = CALLING_CODES.get(region or "")
        if code is None:
            raise InvalidPhone(f"Write “{raw}” with its country code, like +57 300 123 4567.")
        national = text if region in _KEEPS_LEADING_ZERO else text.lstrip("0")
        digits = national if national.startswith(code) and len(national) > 10 else code + national
    if not digits.isdigit():
        raise InvalidPhone(f"“{raw}” is not a phone number: use digits only.")
    if not 8 <= len(digits) <= 15:
        raise InvalidPhone(f"“{raw}” is not a phone number: it has {len(digits)} digits with its country code.")
    return "+" + digits
