# ruff: noqa
# Fixture of the rule mark-safe-non-literal in ../django.yml: `semgrep --test` checks
# that it matches every line annotated as expected and none annotated as a look-alike.
# Never imported or run; ruff is off because the bad examples are the point.

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe


def mark_safe_cases(comment, user):
    # ruleid: mark-safe-non-literal
    mark_safe(comment.text)
    # ruleid: mark-safe-non-literal
    mark_safe(f"<p>{user.full_name}</p>")
    # ruleid: mark-safe-non-literal
    SafeString("<b>" + user.email + "</b>")
    # ruleid: mark-safe-non-literal
    format_html(comment.text)
    # ok: mark-safe-non-literal
    mark_safe("<br>")
    # ok: mark-safe-non-literal
    format_html("<p>{}</p>", comment.text)
    # ok: mark-safe-non-literal
    escape(comment.text)
