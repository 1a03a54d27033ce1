"""One checklist item's block of the checklist page, written in Python.

A checklist page shows hundreds of items, each with its compact fieldwork form: drawn by the
template engine, item by item, that was most of the page's time (some 16,000 template nodes for
250 items). ``item_html`` writes the same markup directly; ``audits/checklist/_item.html`` (the
htmx partial of one item) and the page's list both call it through the ``checklist_item`` tag,
so there is one way an item is drawn. ``r`` is what ``views.checklist.row_context`` returns.
"""

from __future__ import annotations

from django.template.defaultfilters import linebreaksbr, pluralize, truncatechars
from django.urls import reverse
from django.utils.html import conditional_escape as esc
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from annexa.audits.templatetags.checklist import method_labels, render_markdown, result_badge


def csrf_input(token) -> str:
    """What ``{% csrf_token %}`` writes, for the page's token (empty without one)."""
    if not token or str(token) == "NOTPROVIDED":
        return ""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


def item_html(r: dict, csrf: str) -> SafeString:
    item, row, urls, pk = r["item"], r["row"], r["urls"], r["pk"]
    subject = esc(item.subject_id)
    out: list[str] = [
        f'<li id="item-{pk}" class="checklist-item{" removed" if item.removed else ""}"'
        f' data-version="{item.version}">\n  <header>\n    <h3 id="item-{pk}-title">\n'
        f'      <a href="{esc(urls["item"])}">{subject}</a>\n      {_title(item)}\n'
    ]
    if item.adhoc:
        out.append('      <span class="badge new">ad-hoc</span>\n')
    if item.removed:
        out.append('      <span class="badge">removed</span>\n')
    elif item.result:
        out.append(
            f'      <span class="badge {esc(result_badge(item.result))}">'
            f"{esc(item.get_result_display())}</span>\n"
        )
    else:
        out.append('      <span class="badge">Not yet assessed</span>\n')
    if not row.in_scope:
        out.append(
            '      <span class="badge warn" title="Its requirement or control left the audit\'s'
            ' scope; results are kept.">no longer in scope</span>\n'
        )
    out.append("    </h3>\n")
    if r.get("can_shape") and not item.removed:
        move = esc(urls["item_move"])
        buttons = "".join(
            f'      <button type="button" hx-post="{move}"'
            f' hx-vals=\'{{"direction": "{way}"}}\' hx-swap="none"'
            f' aria-label="Move {subject} {way}">{arrow}</button>\n'
            for way, arrow in (("up", "↑"), ("down", "↓"))
        )
        out.append(f'    <span class="move">\n{buttons}    </span>\n')
    out.append("  </header>\n")
    if r.get("notice"):
        kind = "errors" if r.get("error") else "muted"
        out.append(f'  <p role="status" class="{kind}">{esc(r["notice"])}</p>\n')
    if r.get("finding_result"):
        out.append(_finding_link(r))
    if item.removed:
        out.append(f'    <p class="muted">Removed: {esc(item.removal_reason)}</p>\n')
        if r.get("can_shape"):
            restore = esc(urls["item_restore"])
            out.append(
                f'    <form method="post" action="{restore}" hx-post="{restore}"'
                f' hx-target="#item-{pk}" hx-swap="outerHTML">{csrf}<button type="submit"'
                f' class="link">Restore {subject}</button></form>\n'
            )
    else:
        out.append(_body(r, csrf))
    out.append("</li>\n")
    # Every interpolated value is escaped (esc, format_html, linebreaksbr with autoescape,
    # Markdown with raw HTML off); test_the_hand_built_checklist_rows_escape_what_people_typed.
    # nosemgrep: mark-safe-non-literal - every value escaped above
    return mark_safe("".join(out))  # noqa: S308 # nosec B308 # every value escaped above


def _title(item) -> str:
    subject = item.control or item.requirement
    return esc(subject.title) if subject is not None and subject.title else ""


def _finding_link(r: dict) -> str:
    item, org = r["item"], r["org"]
    finding = next(iter(item.findings.all()), None)
    if finding is None and not r.get("can_raise"):
        return ""
    if finding is not None:
        link = format_html(
            '<a href="{}">Finding {}</a> <span class="badge">{}</span>',
            reverse("findings:detail", kwargs={"org": org.slug, "pk": finding.pk}),
            finding.reference,
            finding.get_status_display(),
        )
    else:
        link = format_html(
            '<a href="{}">Raise finding</a>',
            reverse("findings:raise-from-item", kwargs={"org": org.slug, "item_pk": item.pk}),
        )
    return f'  <p class="finding-link" style="margin:.2rem 0">{link}</p>\n'


def _body(r: dict, csrf: str) -> str:
    item, row, urls = r["item"], r["row"], r["urls"]
    expected = len(item.expected_documents)
    out = [
        '  <ol class="questions">'
        + "".join(f"<li>{esc(q)}</li>" for q in item.questions)
        + "</ol>\n"
        '  <p class="muted" style="font-size:.85rem;margin:.2rem 0">\n'
        f"    Expected: {expected} document{pluralize(expected)} ·\n"
        f"    on file: {row.on_file_count}"
    ]
    if row.stale_on_file:
        out.append(f' <span class="badge warn">{row.stale_on_file} stale</span>')
    out.append(f" ·\n    linked: {row.linked_count}\n")
    if row.automated:
        out.append(
            f'     · <a href="{esc(urls["item"])}">automated results: {len(row.automated)}</a>'
        )
        if row.automated_failing:
            out.append(f' <span class="badge bad">{row.automated_failing} failing</span>')
        out.append("\n")
    if row.samples:
        out.append(f"     · samples: {row.samples}\n")
    if row.open_requests:
        out.append(f"     · open requests: {row.open_requests}")
        if row.overdue_requests:
            out.append(f' <span class="badge bad">{row.overdue_requests} overdue</span>')
        out.append("\n")
    out.append("  </p>\n")
    if r.get("stale"):
        out.append(_stale(r))
    out.append(_form(r, csrf) if r.get("can_record") else _read_only(item))
    return "".join(out)


def _stale(r: dict) -> str:
    other, urls, pk = r.get("other"), r["urls"], r["pk"]
    out = [
        '  <div class="stale" role="alert">\n'
        f'    <p style="margin:0 0 .3rem"><strong>{esc(r["stale"])}</strong>'
        " Your input is kept below.</p>\n"
    ]
    if other:
        text = f"Their version: result {esc(other.get('result') or 'not assessed')}"
        if other.get("examined"):
            text += f"; examined: {esc(truncatechars(other['examined'], 120))}"
        if other.get("verification"):
            text += f"; verified: {esc(truncatechars(other['verification'], 120))}"
        out.append(f'    <p class="muted" style="margin:0;font-size:.85rem">{text}</p>\n')
    row_url = esc(urls["item_row"])
    out.append(
        f'    <button type="button" hx-get="{row_url}" hx-target="#item-{pk}"'
        ' hx-swap="outerHTML">Reload (discard my input)</button>\n  </div>\n'
    )
    return "".join(out)


def _errors(r: dict, name: str) -> str:
    return "".join(
        f'<div class="errors" role="alert">{esc(e)}</div>' for e in r["errors"].get(name, ())
    )


def _area(r: dict, name: str, label: str) -> str:
    pk = r["pk"]
    return (
        f'      <div><label for="item-{pk}-{name}">{label}</label><textarea name="{name}"'
        f' id="item-{pk}-{name}" rows="2">{esc(r["values"].get(name) or "")}</textarea>'
        f"{_errors(r, name)}</div>\n"
    )


def _form(r: dict, csrf: str) -> str:
    item, urls, pk, values = r["item"], r["urls"], r["pk"], r["values"]
    save, link = esc(urls["item_save"]), esc(urls["item"])
    out = [
        f'  <form method="post" action="{save}"\n'
        f'        hx-post="{save}" hx-target="#item-{pk}" hx-swap="outerHTML"\n'
        '        data-swap-status="409 422">\n'
        f'    {csrf}<input type="hidden" name="layout" value="inline"><input type="hidden"'
        f' name="version" value="{esc(values["version"])}">\n'
    ]
    for message in r["errors"].get("form", ()):
        out.append(
            f'    <p class="errors" role="alert">{esc(message)} <a href="{link}">Open the item</a>'
            "</p>\n"
        )
    out.append(
        '    <div class="cols">\n      <div>\n'
        f'        <label for="item-{pk}-result">Result</label><br>\n'
        f'        <select name="result" id="item-{pk}-result">{r["result_options"]}</select>\n'
        f"        {_errors(r, 'result')}\n"
        '        <fieldset><legend style="font-size:.85rem;font-weight:600">Methods</legend><div>\n'
        f"          {r['method_boxes']}\n"
        "        </div></fieldset>\n"
        f"        {_errors(r, 'methods')}\n"
        "      </div>\n"
        + _area(r, "examined", "What was examined")
        + _area(r, "verification", "How it was verified")
        + _area(r, "notes", "Notes (Markdown)")
        + "    </div>\n"
        f'    <button type="submit" class="primary">Save {esc(item.subject_id)}</button>\n'
    )
    if r.get("stale"):
        out.append(
            '    <button type="submit" name="overwrite"'
            f' value="{esc(r.get("current_version", ""))}">Save mine over theirs</button>\n'
        )
    out.append(f'    <a href="{link}">Evidence, analysis, auditees…</a>\n')
    if r.get("saved"):
        saved = f"Saved (version {item.version})."
        out.append(f'    <span role="status" class="muted">{saved}</span>\n')
    out.append("  </form>\n")
    return "".join(out)


def _read_only(item) -> str:
    out = []
    if item.methods:
        out.append(
            f'    <p style="margin:.2rem 0"><strong>Methods:</strong>'
            f" {esc(method_labels(item.methods))}</p>\n"
        )
    if item.examined:
        out.append(
            '    <p style="margin:.2rem 0"><strong>Examined:</strong>'
            f" {linebreaksbr(item.examined, autoescape=True)}</p>\n"
        )
    if item.verification:
        out.append(
            '    <p style="margin:.2rem 0"><strong>Verified:</strong>'
            f" {linebreaksbr(item.verification, autoescape=True)}</p>\n"
        )
    if item.notes:
        out.append(f"    <div>{render_markdown(item.notes)}</div>\n")
    return "".join(out)
