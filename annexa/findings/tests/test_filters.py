"""The findings register's filters: grade, status, control, audit, age and text."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from annexa.audits.tests.factories import make_audit
from annexa.findings.filters import filter_findings
from annexa.findings.models import Finding
from annexa.findings.tests.factories import make_finding


def refs(queryset) -> list[str]:
    return sorted(f.reference for f in queryset)


def register(acme, **params):
    queryset, form = filter_findings(Finding.objects.for_org(acme), params, acme)
    assert form.is_valid() or not queryset.exists()
    return refs(queryset)


def test_it_filters_the_register(acme, control, globex):
    first, second = make_audit(acme), make_audit(acme)
    make_finding(acme, grade="major_nc", raised_in=first)  # F-0001
    make_finding(acme, grade="ofi", status="closed", raised_in=first, closed_in=second)
    make_finding(acme, grade="observation", requirement_id="7.2", control=None, title="Training")
    old = make_finding(acme, grade="minor_nc", status="in_progress")  # F-0004
    Finding.objects.filter(pk=old.pk).update(raised_at=timezone.now() - dt.timedelta(days=100))
    make_finding(globex)
    assert register(acme, grade="major_nc") == ["F-0001"]
    assert register(acme, status="closed") == ["F-0002"]
    assert register(acme, status="unresolved") == ["F-0001", "F-0003", "F-0004"]
    assert register(acme, control="a.8.5") == ["F-0001", "F-0002", "F-0004"]
    assert register(acme, control="7.2") == ["F-0003"]
    assert register(acme, audit=first.reference) == ["F-0001", "F-0002"]
    assert register(acme, audit=second.reference) == ["F-0002"]  # the audit that closed it
    assert register(acme, age="90") == ["F-0004"]
    assert register(acme, q="training") == ["F-0003"]
    assert register(acme) == ["F-0001", "F-0002", "F-0003", "F-0004"]


def test_it_matches_nothing_for_an_unknown_value(acme, control):
    make_finding(acme)
    queryset, form = filter_findings(Finding.objects.for_org(acme), {"grade": "bad"}, acme)
    assert not form.is_valid() and "grade" in form.errors and not queryset.exists()
    queryset, form = filter_findings(Finding.objects.for_org(acme), {"audit": "IA-1999-09"}, acme)
    assert "audit" in form.errors and not queryset.exists()
