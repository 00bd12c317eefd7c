from django import template

from kaiu.accounts.staff import staff_empty_index_notice

register = template.Library()


@register.simple_tag
def empty_index_notice(user) -> str:
    return staff_empty_index_notice(user)
