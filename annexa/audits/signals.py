"""Re-run the independence check when ownership changes in the isms app.

The isms services save ``SoAEntry`` (control owner) and ``OrgUnit`` (manager) rows; these
receivers run inside the same transaction, so the audits' conflict lists and their ledger
entries commit together with the ownership change, or not at all. Requirement owners, scope
and team changes call ``independence`` directly from this app's services.
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from annexa.isms.models import OrgUnit, SoAEntry


@receiver(post_save, sender=SoAEntry, dispatch_uid="audits.soa_owner_changed")
def soa_entry_saved(sender, instance: SoAEntry, raw: bool = False, **kwargs) -> None:
    if raw:  # fixtures being loaded: the audits rows may not exist yet
        return
    from annexa.audits.services import independence

    independence.refresh_for_control(instance.organization, instance.control_id)


@receiver(post_save, sender=OrgUnit, dispatch_uid="audits.unit_manager_changed")
def unit_saved(sender, instance: OrgUnit, raw: bool = False, created: bool = False, **kwargs):
    if raw or created:  # a new unit is in no audit's scope yet
        return
    from annexa.audits.services import independence

    independence.refresh_for_unit(instance)
