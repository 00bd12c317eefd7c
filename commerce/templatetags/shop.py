"""Template helpers of the shop pages: `{% load shop %}`."""

from django import template

from commerce.selectors import LOW_STOCK
from kaiu.currencies import format_money

register = template.Library()


@register.filter
def money(amount, currency):
    """`{{ order.total|money:order.currency }}` → "$ 45.900"."""
    return "" if amount is None else format_money(amount, currency)


@register.inclusion_tag("commerce/_stock_badge.html")
def stock_badge(product):
    """Out (nothing available), low (up to LOW_STOCK available) or in stock, with the units."""
    available = product.available
    state = "out" if available <= 0 else "low" if available <= LOW_STOCK else "ok"
    return {"state": state, "available": available, "product": product}
