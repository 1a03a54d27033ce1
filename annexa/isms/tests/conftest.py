"""Fixtures of the isms tests: Acme's SoA over the real catalog, an API client per persona,
and an SoA sheet helper."""

from __future__ import annotations

import io

import pytest
from rest_framework.test import APIClient

from annexa.isms.services import ensure_soa
from annexa.ledger.models import LedgerEntry


@pytest.fixture
def soa(acme, catalog):
    """Acme with one undecided SoA entry per Annex A control."""
    ensure_soa(acme)
    return acme


@pytest.fixture
def api():
    """An API client signed in as a persona: ``api(isla)``."""

    def login(persona) -> APIClient:
        client = APIClient()
        client.force_authenticate(persona.user)
        return client

    return login


def ledger_count(org) -> int:
    return LedgerEntry.objects.filter(organization=org).count()


def sheet(rows: list[list[object]], header: list[str] | None = None) -> bytes:
    """An XLSX workbook as a person would make it (values typed straight into cells)."""
    from openpyxl import Workbook

    from annexa.isms.services.soa_io import COLUMNS

    workbook = Workbook()
    worksheet = workbook.active
    worksheet.append(list(header or COLUMNS))
    for row in rows:
        worksheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
