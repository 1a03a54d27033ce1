"""``{% expiring_keys keys as soon %}``: the keys of a list that expire within 14 days."""

from __future__ import annotations

from django import template

from annexa.orgs import key_expiry

register = template.Library()


@register.simple_tag
def expiring_keys(keys):
    return key_expiry.expiring_soon(keys)


@register.filter
def expiry_warning(key) -> str:
    return key_expiry.warning(key)
