"""Classification labels (A.5.12): the organization defines them; a label in use stays."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annexa.ledger.models import LedgerEntry
from annexa.risks.models import Classification
from annexa.risks.services import assets, classifications


def test_managers_define_the_labels_and_a_used_one_stays(acme, isla, colin, server):
    names = [c.name for c in assets.classifications(acme)]
    assert names == ["Public", "Internal", "Confidential", "Restricted"]
    secret = classifications.add_label(isla.ctx, {"name": "Secret", "description": "Board"})
    assert secret.rank == 4
    with pytest.raises(ValidationError, match="already a label named"):
        classifications.add_label(isla.ctx, {"name": "secret"})
    renamed = classifications.update_label(isla.ctx, secret, {"name": "Strictly secret"})
    assert renamed.name == "Strictly secret"
    assets.update_asset(isla.ctx, server, {"classification": "Strictly secret"})
    with pytest.raises(ValidationError, match="1 asset carries Strictly secret"):
        classifications.remove_label(isla.ctx, renamed)
    public = Classification.objects.get(organization=acme, name="Public")
    classifications.remove_label(isla.ctx, public)
    actions = list(
        LedgerEntry.objects.filter(object_type="classification").values_list("action", flat=True)
    )
    assert actions == ["create", "update", "delete"]
    with pytest.raises(PermissionDenied):
        classifications.add_label(colin.ctx, {"name": "Mine"})


def test_the_page_lists_labels_and_shows_a_refusal_beside_its_form(client_for, isla, vera, server):
    assets.update_asset(isla.ctx, server, {"classification": "Internal"})
    label = Classification.objects.get(name="Internal")
    page = client_for(vera).get("/o/acme/assets/classifications/")
    assert page.status_code == 200 and "Restricted" in page.content.decode()
    assert "Add a label" not in page.content.decode()
    refused = client_for(isla).post(
        "/o/acme/assets/classifications/", {"op": "remove", "label": label.pk}
    )
    assert refused.status_code == 422
    assert "1 asset carries Internal" in refused.content.decode()
    added = client_for(isla).post(
        "/o/acme/assets/classifications/", {"op": "add", "name": "Secret"}
    )
    assert added.status_code == 302 and Classification.objects.filter(name="Secret").exists()
    assert (
        client_for(vera).post("/o/acme/assets/classifications/", {"op": "add"}).status_code == 403
    )
