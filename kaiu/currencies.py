"""ISO 4217 currencies a business can price in, with their minor-unit digits, and the
currency each region uses (to suggest one from the browser's locale).

From the standard's list one of active codes, as of 2025: currencies only. Fund codes
(BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW), precious metals, bond-market units, XDR, XSU,
XUA and the test codes are left out, since no shop prices in them; codes the standard
withdrew (HRK, SLL, ZWL, ANG) are left out too. Money is stored in minor units, so the
digits say how to show it: 12345 SEK is 123.45, 12345 JPY is 12345, 12345 KWD is 12.345.
"""

import re

from django.core.exceptions import ValidationError

# code: (the standard's English name, digits after the decimal point)
CURRENCIES = {
    "AED": ("UAE Dirham", 2),
    "AFN": ("Afghani", 2),
    "ALL": ("Lek", 2),
    "AMD": ("Armenian Dram", 2),
    "AOA": ("Kwanza", 2),
    "ARS": ("Argentine Peso", 2),
    "AUD": ("Australian Dollar", 2),
    "AWG": ("Aruban Florin", 2),
    "AZN": ("Azerbaijan Manat", 2),
    "BAM": ("Convertible Mark", 2),
    "BBD": ("Barbados Dollar", 2),
    "BDT": ("Taka", 2),
    "BGN": ("Bulgarian Lev", 2),
    "BHD": ("Bahraini Dinar", 3),
    "BIF": ("Burundi Franc", 0),
    "BMD": ("Bermudian Dollar", 2),
    "BND": ("Brunei Dollar", 2),
    "BOB": ("Boliviano", 2),
    "BRL": ("Brazilian Real", 2),
    "BSD": ("Bahamian Dollar", 2),
    "BTN": ("Ngultrum", 2),
    "BWP": ("Pula", 2),
    "BYN": ("Belarusian Ruble", 2),
    "BZD": ("Belize Dollar", 2),
    "CAD": ("Canadian Dollar", 2),
    "CDF": ("Congolese Franc", 2),
    "CHF": ("Swiss Franc", 2),
    "CLP": ("Chilean Peso", 0),
    "CNY": ("Yuan Renminbi", 2),
    "COP": ("Colombian Peso", 2),
    "CRC": ("Costa Rican Colon", 2),
    "CUC": ("Peso Convertible", 2),
    "CUP": ("Cuban Peso", 2),
    "CVE": ("Cabo Verde Escudo", 2),
    "CZK": ("Czech Koruna", 2),
    "DJF": ("Djibouti Franc", 0),
    "DKK": ("Danish Krone", 2),
    "DOP": ("Dominican Peso", 2),
    "DZD": ("Algerian Dinar", 2),
    "EGP": ("Egyptian Pound", 2),
    "ERN": ("Nakfa", 2),
    "ETB": ("Ethiopian Birr", 2),
    "EUR": ("Euro", 2),
    "FJD": ("Fiji Dollar", 2),
    "FKP": ("Falkland Islands Pound", 2),
    "GBP": ("Pound Sterling", 2),
    "GEL": ("Lari", 2),
    "GHS": ("Ghana Cedi", 2),
    "GIP": ("Gibraltar Pound", 2),
    "GMD": ("Dalasi", 2),
    "GNF": ("Guinean Franc", 0),
    "GTQ": ("Quetzal", 2),
    "GYD": ("Guyana Dollar", 2),
    "HKD": ("Hong Kong Dollar", 2),
    "HNL": ("Lempira", 2),
    "HTG": ("Gourde", 2),
    "HUF": ("Forint", 2),
    "IDR": ("Rupiah", 2),
    "ILS": ("New Israeli Sheqel", 2),
    "INR": ("Indian Rupee", 2),
    "IQD": ("Iraqi Dinar", 3),
    "IRR": ("Iranian Rial", 2),
    "ISK": ("Iceland Krona", 0),
    "JMD": ("Jamaican Dollar", 2),
    "JOD": ("Jordanian Dinar", 3),
    "JPY": ("Yen", 0),
    "KES": ("Kenyan Shilling", 2),
    "KGS": ("Som", 2),
    "KHR": ("Riel", 2),
    "KMF": ("Comorian Franc", 0),
    "KPW": ("North Korean Won", 2),
    "KRW": ("Won", 0),
    "KWD": ("Kuwaiti Dinar", 3),
    "KYD": ("Cayman Islands Dollar", 2),
    "KZT": ("Tenge", 2),
    "LAK": ("Lao Kip", 2),
    "LBP": ("Lebanese Pound", 2),
    "LKR": ("Sri Lanka Rupee", 2),
    "LRD": ("Liberian Dollar", 2),
    "LSL": ("Loti", 2),
    "LYD": ("Libyan Dinar", 3),
    "MAD": ("Moroccan Dirham", 2),
    "MDL": ("Moldovan Leu", 2),
    "MGA": ("Malagasy Ariary", 2),
    "MKD": ("Denar", 2),
    "MMK": ("Kyat", 2),
    "MNT": ("Tugrik", 2),
    "MOP": ("Pataca", 2),
    "MRU": ("Ouguiya", 2),
    "MUR": ("Mauritius Rupee", 2),
    "MVR": ("Rufiyaa", 2),
    "MWK": ("Malawi Kwacha", 2),
    "MXN": ("Mexican Peso", 2),
    "MYR": ("Malaysian Ringgit", 2),
    "MZN": ("Mozambique Metical", 2),
    "NAD": ("Namibia Dollar", 2),
    "NGN": ("Naira", 2),
    "NIO": ("Cordoba Oro", 2),
    "NOK": ("Norwegian Krone", 2),
    "NPR": ("Nepalese Rupee", 2),
    "NZD": ("New Zealand Dollar", 2),
    "OMR": ("Rial Omani", 3),
    "PAB": ("Balboa", 2),
    "PEN": ("Sol", 2),
    "PGK": ("Kina", 2),
    "PHP": ("Philippine Peso", 2),
    "PKR": ("Pakistan Rupee", 2),
    "PLN": ("Zloty", 2),
    "PYG": ("Guarani", 0),
    "QAR": ("Qatari Rial", 2),
    "RON": ("Romanian Leu", 2),
    "RSD": ("Serbian Dinar", 2),
    "RUB": ("Russian Ruble", 2),
    "RWF": ("Rwanda Franc", 0),
    "SAR": ("Saudi Riyal", 2),
    "SBD": ("Solomon Islands Dollar", 2),
    "SCR": ("Seychelles Rupee", 2),
    "SDG": ("Sudanese Pound", 2),
    "SEK": ("Swedish Krona", 2),
    "SGD": ("Singapore Dollar", 2),
    "SHP": ("Saint Helena Pound", 2),
    "SLE": ("Leone", 2),
    "SOS": ("Somali Shilling", 2),
    "SRD": ("Surinam Dollar", 2),
    "SSP": ("South Sudanese Pound", 2),
    "STN": ("Dobra", 2),
    "SVC": ("El Salvador Colon", 2),
    "SYP": ("Syrian Pound", 2),
    "SZL": ("Lilangeni", 2),
    "THB": ("Baht", 2),
    "TJS": ("Somoni", 2),
    "TMT": ("Turkmenistan New Manat", 2),
    "TND": ("Tunisian Dinar", 3),
    "TOP": ("Pa’anga", 2),
    "TRY": ("Turkish Lira", 2),
    "TTD": ("Trinidad and Tobago Dollar", 2),
    "TWD": ("New Taiwan Dollar", 2),
    "TZS": ("Tanzanian Shilling", 2),
    "UAH": ("Hryvnia", 2),
    "UGX": ("Uganda Shilling", 0),
    "USD": ("US Dollar", 2),
    "UYU": ("Peso Uruguayo", 2),
    "UZS": ("Uzbekistan Sum", 2),
    "VED": ("Bolívar Soberano (digital)", 2),
    "VES": ("Bolívar Soberano", 2),
    "VND": ("Dong", 0),
    "VUV": ("Vatu", 0),
    "WST": ("Tala", 2),
    "XAF": ("CFA Franc BEAC", 0),
    "XCD": ("East Caribbean Dollar", 2),
    "XCG": ("Caribbean Guilder", 2),
    "XOF": ("CFA Franc BCEAO", 0),
    "XPF": ("CFP Franc", 0),
    "YER": ("Yemeni Rial", 2),
    "ZAR": ("Rand", 2),
    "ZMW": ("Zambian Kwacha", 2),
    "ZWG": ("Zimbabwe Gold", 2),
}

# Currency → the regions (ISO 3166-1 alpha-2) that use it. Read as "a browser set to this
# region most likely prices in this currency"; where a country uses two (Panama: PAB and
# USD), the one shops use.
_REGIONS = {
    "USD": "US AS BQ EC FM GU IO MH MP PA PR PW SV TC TL UM VG VI",
    "EUR": "AD AT AX BE BG BL CY DE EE ES FI FR GF GP GR HR IE IT LT LU LV MC ME MF MQ MT NL PM PT RE SI SK SM TF "
           "VA XK YT",
    "XOF": "BF BJ CI GW ML NE SN TG",
    "XAF": "CF CG CM GA GQ TD",
    "XPF": "NC PF WF",
    "XCD": "AG AI DM GD KN LC MS VC",
    "AUD": "AU CC CX HM KI NF NR TV",
    "NZD": "NZ CK NU PN TK",
    "GBP": "GB GG GS IM JE",
    "DKK": "DK FO GL",
    "NOK": "NO SJ BV",
    "CHF": "CH LI",
    "MAD": "MA EH",
    "ILS": "IL PS",
    "XCG": "CW SX",
    "INR": "IN",
}
# The rest: one region, one currency.
_ONE_REGION = (
    "AE:AED AF:AFN AL:ALL AM:AMD AO:AOA AR:ARS AW:AWG AZ:AZN BA:BAM BB:BBD BD:BDT BH:BHD BI:BIF BM:BMD BN:BND "
    "BO:BOB BR:BRL BS:BSD BT:BTN BW:BWP BY:BYN BZ:BZD CA:CAD CD:CDF CL:CLP CN:CNY CO:COP CR:CRC CU:CUP CV:CVE "
    "CZ:CZK DJ:DJF DO:DOP DZ:DZD EG:EGP ER:ERN ET:ETB FJ:FJD FK:FKP GE:GEL GH:GHS GI:GIP GM:GMD GN:GNF GT:GTQ "
    "GY:GYD HK:HKD HN:HNL HT:HTG HU:HUF ID:IDR IQ:IQD IR:IRR IS:ISK JM:JMD JO:JOD JP:JPY KE:KES KG:KGS KH:KHR "
    "KM:KMF KP:KPW KR:KRW KW:KWD KY:KYD KZ:KZT LA:LAK LB:LBP LK:LKR LR:LRD LS:LSL LY:LYD MD:MDL MG:MGA MK:MKD "
    "MM:MMK MN:MNT MO:MOP MR:MRU MU:MUR MV:MVR MW:MWK MX:MXN MY:MYR MZ:MZN NA:NAD NG:NGN NI:NIO NP:NPR OM:OMR "
    "PE:PEN PG:PGK PH:PHP PK:PKR PL:PLN PY:PYG QA:QAR RO:RON RS:RSD RU:RUB RW:RWF SA:SAR SB:SBD SC:SCR SD:SDG "
    "SE:SEK SG:SGD SH:SHP SL:SLE SO:SOS SR:SRD SS:SSP ST:STN SY:SYP SZ:SZL TH:THB TJ:TJS TM:TMT TN:TND TO:TOP "
    "TR:TRY TT:TTD TW:TWD TZ:TZS UA:UAH UG:UGX UY:UYU UZ:UZS VE:VES VN:VND VU:VUV WS:WST YE:YER ZA:ZAR ZM:ZMW "
    "ZW:ZWG"
)
REGION_CURRENCY = {
    **{region: code for code, regions in _REGIONS.items() for region in regions.split()},
    **dict(pair.split(":") for pair in _ONE_REGION.split()),
}


def currency_choices() -> list[tuple[str, str]]:
    return [(code, f"{code} · {name}") for code, (name, _digits) in CURRENCIES.items()]


def minor_unit_digits(code: str) -> int:
    """How many digits follow the decimal point in `code` (2 for SEK, 0 for JPY)."""
    return CURRENCIES[code][1]


def validate_currency(code: str) -> None:
    if code not in CURRENCIES:
        raise ValidationError(f"“{code}” is not an ISO 4217 currency code.")


# How shops write amounts in a few currencies: (symbol, symbol then a space?, thousands
# separator, decimal separator, digits shown). Colombian pesos have centavos on paper (ISO says
# 2 digits) but no price uses them, so "$ 45.900" shows none. Others: "1,234.50 SEK".
_FORMATS = {
    "COP": ("$", True, ".", ",", 0),
    "CLP": ("$", True, ".", ",", 0),
    "ARS": ("$", True, ".", ",", 2),
    "UYU": ("$", True, ".", ",", 2),
    "PYG": ("₲", True, ".", ",", 0),
    "MXN": ("$", False, ",", ".", 2),
    "USD": ("US$", False, ",", ".", 2),
    "PEN": ("S/", True, ",", ".", 2),
    "BRL": ("R$", True, ".", ",", 2),
    "EUR": ("€", True, ".", ",", 2),
    "GBP": ("£", False, ",", ".", 2),
}


def shown_digits(code: str) -> int:
    """Digits after the decimal point when an amount in `code` is shown to people."""
    return _FORMATS[code][4] if code in _FORMATS else minor_unit_digits(code)


def format_money(amount: int, code: str) -> str:
    """An amount in minor units as people read it: 4590000 COP → "$ 45.900", 4590 USD → "US$45.90",
    123450 SEK → "1,234.50 SEK". Digits not shown are rounded half up."""
    digits, shown = minor_unit_digits(code), shown_digits(code)
    sign, amount = ("-" if amount < 0 else ""), abs(amount)
    scale = 10 ** (digits - shown)
    amount = (amount + scale // 2) // scale
    whole, fraction = divmod(amount, 10**shown)
    symbol, space, thousands, decimal, _ = _FORMATS.get(code, ("", False, ",", ".", shown))
    text = f"{whole:,}".replace(",", thousands)
    if shown:
        text += f"{decimal}{fraction:0{shown}d}"
    if not symbol:
        return f"{sign}{text} {code}"
    return f"{sign}{symbol}{' ' if space else ''}{text}"


def parse_money(text: str, code: str) -> int:
    """"45900", "45900.50", "$ 45.900" (thousands in a currency shown without decimals) → minor
    units. Raises ValueError with a message a person can act on."""
    digits, shown = minor_unit_digits(code), shown_digits(code)
    cleaned = text.strip().removeprefix(_FORMATS.get(code, ("",))[0]).replace(code, "").strip()
    cleaned = cleaned.removeprefix("$").strip()
    if not shown and re.fullmatch(r"\d{1,3}(\.\d{3})+", cleaned):
        cleaned = cleaned.replace(".", "")
    match = re.fullmatch(r"(\d+)(?:[.,](\d+))?", cleaned)
    if not match:
        raise ValueError(f"“{text}” is not an amount (write it like 45900 or 45900.50).")
    whole, fraction = match.group(1), match.group(2) or ""
    if len(fraction) > digits:
        raise ValueError(f"“{text}” has more than {digits} decimals.")
    return int(whole) * 10**digits + int(fraction.ljust(digits, "0") or 0)
