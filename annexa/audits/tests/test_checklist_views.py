"""The checklist pages: list with filters and progress, inline htmx saves, stale saves (409),
moving, removing, the item page with evidence picker and upload, closing fieldwork."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annexa.audits.choices import AuditStatus
from annexa.audits.models import ChecklistItem
from annexa.audits.services import fieldwork
from annexa.audits.tests.fieldwork_fixtures import *  # noqa: F403 - fixtures
from annexa.audits.tests.fieldwork_fixtures import store_text

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, obj) -> str:
    return reverse(f"audits:{name}", kwargs={"org": obj.organization.slug, "pk": obj.pk})


def inline(version: int, **values) -> dict:
    data = {"layout": "inline", "version": version, "result": "", "notes": ""}
    data.update(values)
    return data


def test_it_shows_the_checklist_with_progress_and_forms(items, fieldwork_audit, client_for, audrey):
    response = client_for(audrey).get(url("checklist", fieldwork_audit))
    assert response.status_code == 200
    page = response.content.decode()
    assert "0 of 3 items assessed" in page
    assert 'id="item-' in page and 'name="layout" value="inline"' in page
    assert f'id="item-{items["A.8.5"].pk}-result"' in page  # unique ids per item
    assert "Who approves access rights" in page


def test_it_shows_a_read_only_checklist_to_a_viewer(items, fieldwork_audit, client_for, vera):
    page = client_for(vera).get(url("checklist", fieldwork_audit)).content.decode()
    assert "Who approves access rights" in page
    assert 'name="layout"' not in page and 'aria-label="Move' not in page


def test_it_filters_with_htmx_returning_the_list_only(items, fieldwork_audit, client_for, audrey):
    client = client_for(audrey)
    response = client.get(url("checklist", fieldwork_audit), {"clause": "7"}, **HTMX)
    page = response.content.decode()
    assert "<html" not in page and 'id="checklist-items"' in page
    assert f'id="item-{items["7.2"].pk}"' in page
    assert f'id="item-{items["A.8.5"].pk}"' not in page


def test_it_saves_an_item_inline_and_updates_the_progress(items, client_for, audrey):
    item = items["A.5.15"]
    response = client_for(audrey).post(
        url("checklist-item-save", item),
        inline(1, result="conforming", methods=["interview"], examined="Tickets"),
        **HTMX,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Saved (version 2)" in page
    assert 'hx-swap-oob="true"' in page and "1 of 3 items assessed" in page
    stored = ChecklistItem.objects.get(pk=item.pk)
    assert (stored.result, stored.methods, stored.examined) == (
        "conforming",
        ["interview"],
        "Tickets",
    )


def test_it_shows_rule_errors_inline_with_422(items, client_for, audrey):
    item = items["A.8.5"]
    response = client_for(audrey).post(
        url("checklist-item-save", item),
        inline(1, result="minor_nc", methods=["interview"]),
        **HTMX,
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "needs what was examined" in page and "at least one piece of evidence" in page


def test_it_refuses_a_stale_inline_save_and_keeps_the_input(items, client_for, audrey, isla):
    item = items["A.8.5"]
    fieldwork.save_fieldwork(isla.ctx, item, {"examined": "Isla's work"}, expected_version=1)
    response = client_for(audrey).post(
        url("checklist-item-save", item), inline(1, examined="Audrey's work"), **HTMX
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Isla Manager saved this item at" in page
    assert "reload to see their changes" in page
    assert "Audrey&#x27;s work" in page  # the user's input is still in the form
    assert "Isla&#x27;s work" in page  # and theirs is shown
    assert ChecklistItem.objects.get(pk=item.pk).examined == "Isla's work"


def test_it_saves_over_the_other_version_only_when_asked(items, client_for, audrey, isla):
    item = items["A.8.5"]
    fieldwork.save_fieldwork(isla.ctx, item, {"examined": "Isla's work"}, expected_version=1)
    data = inline(1, examined="Audrey's work", overwrite="2")
    response = client_for(audrey).post(url("checklist-item-save", item), data, **HTMX)
    assert response.status_code == 200
    assert ChecklistItem.objects.get(pk=item.pk).examined == "Audrey's work"


def test_it_refuses_a_stale_save_without_htmx_with_409(items, client_for, audrey, isla):
    item = items["A.8.5"]
    fieldwork.save_fieldwork(isla.ctx, item, {"notes": "first"}, expected_version=1)
    response = client_for(audrey).post(url("checklist-item-save", item), inline(1, notes="mine"))
    assert response.status_code == 409
    assert "reload to see their changes" in response.content.decode()


def test_it_reloads_one_item(items, client_for, audrey):
    response = client_for(audrey).get(url("checklist-item-row", items["7.2"]), **HTMX)
    assert response.status_code == 200 and "<html" not in response.content.decode()


def test_it_moves_an_item_with_htmx(items, fieldwork_audit, client_for, audrey):
    response = client_for(audrey).post(
        url("checklist-item-move", items["A.8.5"]), {"direction": "up"}, **HTMX
    )
    assert response.status_code == 204
    assert response["X-Checklist-Moved"] == "up"
    order = list(fieldwork_audit.checklist_items.values_list("control_id", flat=True))
    assert order[1] == "A.8.5"


def test_it_removes_and_restores_from_the_page(items, client_for, audrey):
    client = client_for(audrey)
    item = items["7.2"]
    response = client.post(url("checklist-item-remove", item), {"reason": "Done with HR"}, **HTMX)
    assert response.status_code == 200 and "Removed: Done with HR" in response.content.decode()
    response = client.post(url("checklist-item-restore", item))
    assert response.status_code == 302
    assert not ChecklistItem.objects.get(pk=item.pk).removed


def test_it_renders_notes_as_safe_markdown(items, client_for, audrey, vera):
    fieldwork.save_fieldwork(
        audrey.ctx,
        items["A.8.5"],
        {"notes": "**ok** [x](javascript:alert(1)) <script>bad()</script> [doc](https://a.test)"},
    )
    page = client_for(vera).get(url("checklist-item", items["A.8.5"])).content.decode()
    assert "<strong>ok</strong>" in page
    assert 'href="javascript' not in page and "<script>bad()" not in page
    assert '<a href="https://a.test">doc</a>' in page


def test_the_hand_built_checklist_rows_escape_what_people_typed(
    items, fieldwork_audit, client_for, audrey, vera
):
    """The checklist page writes its items in Python (views/checklist_html.py): what an
    auditor typed comes back as text, never as markup, in the form and read-only."""
    hostile = '<img src=x onerror="alert(1)"> & "quoted"'
    fieldwork.save_fieldwork(
        audrey.ctx, items["A.8.5"], {"examined": hostile, "verification": hostile}
    )
    client_for(audrey).post(url("checklist-item-remove", items["7.2"]), {"reason": hostile}, **HTMX)
    for persona in (audrey, vera):
        page = client_for(persona).get(url("checklist", fieldwork_audit)).content.decode()
        assert "<img src=x" not in page and 'onerror="alert' not in page
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page


def test_it_uploads_evidence_on_the_item_page(items, client_for, audrey):
    item = items["A.8.5"]
    upload = SimpleUploadedFile("mfa.txt", b"MFA enforced for all admins\n", "text/plain")
    data = {
        "version": 1,
        "result": "minor_nc",
        "methods": ["technical_test"],
        "examined": "IdP",
        "verification": "Test login",
        "upload": upload,
        "upload_title": "MFA export",
    }
    response = client_for(audrey).post(url("checklist-item-save", item), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = ChecklistItem.objects.get(pk=item.pk)
    assert stored.result == "minor_nc"
    assert stored.evidence.get().evidence.title == "MFA export"


def test_it_picks_evidence_on_file_and_searches_the_locker(items, client_for, audrey):
    item = items["A.5.15"]
    on_file = store_text(audrey.ctx, "policy", controls=["A.5.15"])
    store_text(audrey.ctx, "elsewhere")
    client = client_for(audrey)
    page = client.get(url("checklist-item", item)).content.decode()
    assert f'name="evidence" value="{on_file.pk}"' in page
    found = client.get(url("checklist-item-evidence-search", item), {"q": "note"}, **HTMX)
    assert found.content.decode().count('name="evidence"') == 2
    data = {"version": 1, "result": "", "evidence": [on_file.pk]}
    assert client.post(url("checklist-item-save", item), data).status_code == 302
    assert list(ChecklistItem.objects.get(pk=item.pk).evidence.all()) == [on_file]


def test_it_generates_and_adds_questions_from_the_page(fieldwork_audit, client_for, audrey):
    client = client_for(audrey)
    response = client.post(url("checklist-generate", fieldwork_audit))
    assert response.status_code == 302
    assert fieldwork_audit.checklist_items.count() == 3
    data = {"subject": "A.8.5", "question": "Who holds the break-glass account?"}
    assert client.post(url("checklist-add", fieldwork_audit), data).status_code == 302
    bad = client.post(url("checklist-add", fieldwork_audit), {**data, "subject": "Z"})
    assert bad.status_code == 422 and "Unknown requirement or control" in bad.content.decode()


def test_it_closes_fieldwork_from_the_checklist(items, fieldwork_audit, client_for, audrey):
    client = client_for(audrey)
    client.post(url("checklist-close", fieldwork_audit))
    fieldwork_audit.refresh_from_db()
    assert fieldwork_audit.status == AuditStatus.FIELDWORK
    for item in items.values():
        fieldwork.save_fieldwork(audrey.ctx, item, {"result": "ofi", "methods": ["observation"]})
    page = client.get(url("checklist", fieldwork_audit)).content.decode()
    assert 'id="close-fieldwork"' in page
    response = client.post(url("checklist-close", fieldwork_audit))
    assert response.status_code == 302
    fieldwork_audit.refresh_from_db()
    assert fieldwork_audit.status == AuditStatus.REPORTING


def test_it_refuses_fieldwork_forms_to_members_off_the_team(items, client_for, alice):
    item = items["A.8.5"]
    response = client_for(alice).post(url("checklist-item-save", item), inline(1, notes="x"))
    assert response.status_code == 403


def test_it_loads_a_large_checklist_in_a_bounded_number_of_queries(
    acme, audrey, client_for, django_assert_max_num_queries
):
    from annexa.audits.tests.fieldwork_fixtures import populate_large_checklist

    audit = populate_large_checklist(acme, audrey.user, items=200, evidence=2000)
    client = client_for(audrey)
    # The same for 3 items or 300 (two of them find nonconformities still without a finding),
    # seven of them to keep the evidence on file counted until it changes (evidence.summaries).
    with django_assert_max_num_queries(29):
        response = client.get(url("checklist", audit))
    assert response.status_code == 200
    assert response.content.decode().count('class="checklist-item') == 200


def test_it_shows_shaping_forms_only_to_the_team(items, fieldwork_audit, client_for, audrey, vera):
    for name in ("checklist-add", "checklist-import"):
        assert client_for(vera).get(url(name, fieldwork_audit)).status_code == 403
        assert client_for(audrey).get(url(name, fieldwork_audit)).status_code == 200


def test_it_imports_a_sheet_from_the_page(items, fieldwork_audit, client_for, audrey):
    from annexa.audits.services import checklist_io
    from annexa.audits.tests.fieldwork_fixtures import xlsx_bytes

    client = client_for(audrey)
    target = url("checklist-import", fieldwork_audit)
    rows = [["item_id", "version", "result"], [str(items["7.2"].uid), "1", "excellent"]]
    bad = SimpleUploadedFile("c.xlsx", xlsx_bytes(rows), checklist_io.spreadsheets.XLSX_MEDIA_TYPE)
    response = client.post(target, {"file": bad})
    assert response.status_code == 422 and "unknown result" in response.content.decode()
    rows[1][2] = "not_audited"
    rows[0].append("notes")
    rows[1].append("HR away")
    good = SimpleUploadedFile("c.xlsx", xlsx_bytes(rows), checklist_io.spreadsheets.XLSX_MEDIA_TYPE)
    assert client.post(target, {"file": good}).status_code == 302
    assert ChecklistItem.objects.get(pk=items["7.2"].pk).result == "not_audited"


def _grown_checklist_queries(acme, audrey, client_for, target: str) -> list[int]:
    """Queries of one GET of the checklist page or API (``target``) with 5 items and 10 linked
    evidence versions, then 100 versions, then 50 items (each version also on file)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from annexa.audits.models import AuditControl
    from annexa.audits.services import checklist
    from annexa.audits.tests.fieldwork_fixtures import (
        attach_bulk_evidence,
        make_control,
        populate_large_checklist,
    )
    from annexa.catalog.choices import Theme
    from annexa.core.tenancy import OrgContext

    audit = populate_large_checklist(acme, audrey.user, items=5, evidence=10)
    address = (
        url("checklist", audit)
        if target == "page"
        else f"/api/v1/orgs/acme/audits/{audit.pk}/checklist/"
    )
    client = client_for(audrey)

    def count(items: int) -> int:
        client.get(address)  # the session and caches warmed up
        with CaptureQueriesContext(connection) as queries:
            response = client.get(address)
        assert response.status_code == 200
        shown = (
            response.content.decode().count('class="checklist-item')
            if target == "page"
            else len(response.json()["items"])
        )
        assert shown == items
        return len(queries)

    counts = [count(5)]
    attach_bulk_evidence(audit, 90)  # 100 linked versions, also on file
    counts.append(count(5))
    for n in range(6, 51):
        control = make_control(f"A.99.{n}", f"Synthetic control A.99.{n}", Theme.TECHNOLOGICAL)
        AuditControl.objects.create(audit=audit, control=control, reason="test")
    checklist.generate(OrgContext.system(acme), audit)
    counts.append(count(50))
    return counts


def test_the_checklist_page_queries_do_not_grow_with_items_or_evidence(acme, audrey, client_for):
    counts = _grown_checklist_queries(acme, audrey, client_for, "page")
    assert counts[0] == counts[1] == counts[2], counts


def test_the_checklist_api_queries_do_not_grow_with_items_or_evidence(acme, audrey, client_for):
    counts = _grown_checklist_queries(acme, audrey, client_for, "api")
    assert counts[0] == counts[1] == counts[2], counts
