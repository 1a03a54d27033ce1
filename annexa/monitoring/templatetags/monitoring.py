"""Display labels of monitoring's values (a page never shows ``manual_only`` or
``not_applicable`` as such)."""

from django import template

from annexa.monitoring.choices import ControlStatus, ResultStatus

register = template.Library()

_STATUS = dict(ControlStatus.choices)
_RESULT = dict(ResultStatus.choices)


@register.filter
def control_status_label(value: str) -> str:
    """ "Manual only" for ``manual_only``; an unknown value is shown as it is."""
    return _STATUS.get(value, value)


@register.filter
def result_label(value: str) -> str:
    """ "Not applicable" for ``not_applicable``; an unknown value is shown as it is."""
    return _RESULT.get(value, value)
