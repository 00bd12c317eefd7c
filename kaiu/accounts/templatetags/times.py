"""`{{ moment|when }}`: how the dashboard shows a date and time. A builtin (settings.TEMPLATES),
so templates need no {% load %}.

One format everywhere, in the active time zone: the business's on the dashboard
(kaiu.tenancy.TenantMiddleware activates it), named in the title so a hover tells which."""

from django import template
from django.utils import dateformat, timezone
from django.utils.html import format_html

from kaiu.timezones import utc_offset

register = template.Library()

# Year first and 24 hours: it reads the same in every language and sorts as it reads.
FORMAT = "Y-m-d H:i"


@register.filter
def when(moment):
    """An aware datetime as <time>; empty for None, so `|when|default:"never"` works."""
    if not moment:
        return ""
    local = timezone.localtime(moment)
    zone = f"{timezone.get_current_timezone_name()} ({utc_offset(local)})"
    return format_html('<time datetime="{}" title="{}">{}</time>', local.isoformat(timespec="seconds"), zone,
                       dateformat.format(local, FORMAT))
