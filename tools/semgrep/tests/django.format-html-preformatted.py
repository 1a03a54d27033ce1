# ruff: noqa
# Fixture of the rule format-html-preformatted in ../django.yml: `semgrep --test` checks
# that it matches every line annotated as expected and none annotated as a look-alike.
# Never imported or run; ruff is off because the bad examples are the point.

from django.utils.html import format_html


def format_html_cases(title, url):
    # ruleid: format-html-preformatted
    format_html(f"<a href='{url}'>{{}}</a>", title)
    # ruleid: format-html-preformatted
    format_html("<a href='%s'>{}</a>" % url, title)
    # ruleid: format-html-preformatted
    format_html("<a href='{}'>".format(url) + "{}</a>", title)
    # ok: format-html-preformatted
    format_html("<a href='{}'>{}</a>", url, title)
