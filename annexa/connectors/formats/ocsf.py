"""OCSF findings (Prowler and other producers) as compact records, read as a stream.

Prowler writes OCSF 1.x *Detection Finding* objects (class 2004) with ``status_code`` PASS,
FAIL, MANUAL or MUTED, the check id in ``metadata.event_code`` and its framework mapping in
``unmapped.compliance`` (``{"ISO27001-2022": ["A.8.5", …], "CIS-2.0": […]}``). *Compliance
Finding* objects (class 2003) of other producers carry the result in ``compliance.status``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from annexa.connectors.formats import FormatError
from annexa.connectors.formats.jsonstream import iter_values

ISO_2022_KEY = re.compile(r"^iso[\s_-]*27001[\s_:-]*2022", re.IGNORECASE)
FINDING_CLASSES = (2003, 2004)

_STATUS_CODES = {
    "PASS": "pass",
    "FAIL": "fail",
    "MANUAL": "manual",  # Prowler cannot check it: a person must
    "MUTED": "muted",
    "INFO": "informational",
}
# Prowler keeps PASS/FAIL in status_code and marks a muted finding "Suppressed" in status.
SUPPRESSED = "suppressed"
_COMPLIANCE_STATUS = {"pass": "pass", "warning": "fail", "fail": "fail"}


@dataclass(frozen=True, slots=True)
class OcsfFinding:
    """What Annexa keeps of one finding (the file itself stays in the evidence locker)."""

    check_id: str
    title: str
    status: str  # pass, fail, error, not_applicable
    severity: str
    resource: str
    provider: str
    account: str
    region: str
    iso2022: tuple[str, ...] | None  # None: the producer gave no ISO/IEC 27001:2022 mapping


def _get(document: dict, *path: str) -> Any:
    value: Any = document
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def status_of(document: dict) -> str:
    """pass / fail / manual / muted / informational / error for one finding."""
    marked = document.get("status")
    if isinstance(marked, str) and marked.strip().lower() == SUPPRESSED:
        return "muted"
    code = document.get("status_code")
    if isinstance(code, str) and code:
        return _STATUS_CODES.get(code.strip().upper(), "error")
    compliance = _get(document, "compliance", "status")
    if isinstance(compliance, str) and compliance.strip():
        return _COMPLIANCE_STATUS.get(compliance.strip().lower(), "error")
    # A Detection Finding without a pass/fail code reports something that was detected.
    return "fail"


@functools.lru_cache(maxsize=1024)
def _is_iso_2022_key(key: str) -> bool:
    # Framework names repeat across a file ("CIS-2.0", "ISO27001-2022"): match each once.
    return ISO_2022_KEY.match(key) is not None


def iso2022_of(document: dict) -> tuple[str, ...] | None:
    """The producer's ISO/IEC 27001:2022 entries, verbatim, or None when it gave none."""
    compliance = _get(document, "unmapped", "compliance")
    if not isinstance(compliance, dict):
        return None
    found: list[str] = []
    matched = False
    for key, values in compliance.items():
        if isinstance(key, str) and _is_iso_2022_key(key):
            matched = True
            if isinstance(values, list):
                found.extend(v.strip() for v in values if isinstance(v, str) and v.strip())
    return tuple(dict.fromkeys(found)) if matched else None


def _resource(document: dict) -> str:
    resources = document.get("resources")
    if isinstance(resources, list) and resources and isinstance(resources[0], dict):
        first = resources[0]
        return _text(first.get("uid") or first.get("name"))
    return _text(_get(document, "finding_info", "uid"))


def normalise(document: dict) -> OcsfFinding:
    """The compact record of one OCSF object; ``FormatError`` when it is not a finding."""
    class_uid = document.get("class_uid")
    if class_uid is not None and class_uid not in FINDING_CLASSES:
        raise FormatError(f"OCSF class {class_uid!r} is not a finding (2003 or 2004)")
    metadata = document.get("metadata")
    info = document.get("finding_info")
    info = info if isinstance(info, dict) else {}
    title = _text(info.get("title"))
    check_id = _text(metadata.get("event_code")) if isinstance(metadata, dict) else ""
    check_id = check_id or title
    if not check_id:
        raise FormatError("an OCSF finding has neither metadata.event_code nor a title")
    cloud = document.get("cloud")
    cloud = cloud if isinstance(cloud, dict) else {}
    # Kubernetes findings carry no cloud object: newer Prowler names the cluster in
    # unmapped.provider_uid, the container profile says it is Kubernetes.
    extra = document.get("unmapped")
    extra = extra if isinstance(extra, dict) else {}
    profiles = _get(document, "metadata", "profiles")
    provider = _text(cloud.get("provider") or extra.get("provider"))
    if not provider and isinstance(profiles, list) and "container" in profiles:
        provider = "kubernetes"
    account = _text(_get(cloud, "account", "uid") or extra.get("provider_uid"))
    return OcsfFinding(
        check_id=check_id,
        title=title or check_id,
        status=status_of(document),
        severity=_text(document.get("severity")).lower() or "unknown",
        resource=_resource(document),
        provider=provider,
        account=account,
        region=_text(cloud.get("region")),
        iso2022=iso2022_of(document),
    )


def iter_findings(stream: BinaryIO) -> Iterator[OcsfFinding]:
    """Every finding of an OCSF JSON array or JSON Lines file, in constant memory."""
    for number, document in enumerate(iter_values(stream), start=1):
        try:
            yield normalise(document)
        except FormatError as exc:
            raise FormatError(f"finding #{number}: {exc}") from None


def looks_like(head: bytes) -> bool:
    text = head.decode("utf-8", "ignore").lstrip("\ufeff \t\r\n")
    return text[:1] in ("[", "{") and ('"class_uid"' in text or '"status_code"' in text)
