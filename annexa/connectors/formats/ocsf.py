"""OCSF findings (Prowler and other producers) as compact records, read as a stream.

Prowler writes OCSF 1.x *Detection Finding* objects (class 2004) with ``status_code`` PASS,
FAIL, MANUAL or MUTED, the check id in ``metadata.event_code`` and its framework mapping in
``unmapped.compliance`` (``{"ISO27001-2022": ["A.8.5", …], "CIS-2.0": […]}``). *Compliance
Finding* objects (class 2003) of other producers carry the result in ``compliance.status``.
"""

from __future__ import annotations

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
        status = _STATUS_CODES.get(code)  # as Prowler writes it: no case or space to undo
        return status if status is not None else _STATUS_CODES.get(code.strip().upper(), "error")
    compliance = _get(document, "compliance", "status")
    if isinstance(compliance, str) and compliance.strip():
        return _COMPLIANCE_STATUS.get(compliance.strip().lower(), "error")
    # A Detection Finding without a pass/fail code reports something that was detected.
    return "fail"


# Framework names repeat across a file ("CIS-2.0", "ISO27001-2022"): each is matched once, and
# a finding's names known not to be ISO/IEC 27001:2022 are set aside in one set difference.
_ISO_KEYS: dict[str, bool] = {}
_NOT_ISO_KEYS: set[str] = set()
_ISO_KEYS_MAX = 4096


def _is_iso_2022_key(key: str) -> bool:
    known = _ISO_KEYS.get(key)
    if known is None:
        if len(_ISO_KEYS) >= _ISO_KEYS_MAX:  # a hostile file naming endless frameworks
            _ISO_KEYS.clear()
            _NOT_ISO_KEYS.clear()
        known = _ISO_KEYS[key] = ISO_2022_KEY.match(key) is not None
        if not known:
            _NOT_ISO_KEYS.add(key)
    return known


def iso2022_of(document: dict) -> tuple[str, ...] | None:
    """The producer's ISO/IEC 27001:2022 entries, verbatim, or None when it gave none."""
    compliance = _get(document, "unmapped", "compliance")
    if not isinstance(compliance, dict):
        return None
    return _iso2022_in(compliance)


def _iso2022_in(compliance: dict) -> tuple[str, ...] | None:
    candidates = compliance.keys() - _NOT_ISO_KEYS
    if not candidates:
        return None
    found: list[str] = []
    matched = False
    keys = compliance if len(candidates) > 1 else candidates  # in the producer's order
    for key in keys:
        if key not in candidates:
            continue
        values = compliance[key]
        if isinstance(key, str) and _is_iso_2022_key(key):
            matched = True
            if isinstance(values, list):
                for value in values:
                    if isinstance(value, str) and (value := value.strip()):
                        found.append(value)
    return tuple(dict.fromkeys(found)) if matched else None


def _resource(document: dict) -> str:
    resources = document.get("resources")
    if isinstance(resources, list) and resources and isinstance(resources[0], dict):
        first = resources[0]
        return _text(first.get("uid") or first.get("name"))
    return _text(_get(document, "finding_info", "uid"))


_NOTHING: dict = {}


def normalise(document: dict) -> OcsfFinding:
    """The compact record of one OCSF object; ``FormatError`` when it is not a finding."""
    get = document.get
    class_uid = get("class_uid")
    if class_uid is not None and class_uid not in FINDING_CLASSES:
        raise FormatError(f"OCSF class {class_uid!r} is not a finding (2003 or 2004)")
    metadata = get("metadata")
    metadata = metadata if isinstance(metadata, dict) else None
    info = get("finding_info")
    info = info if isinstance(info, dict) else _NOTHING
    title = _text(info.get("title"))
    check_id = _text(metadata.get("event_code")) if metadata is not None else ""
    check_id = check_id or title
    if not check_id:
        raise FormatError("an OCSF finding has neither metadata.event_code nor a title")
    cloud = get("cloud")
    cloud = cloud if isinstance(cloud, dict) else _NOTHING
    # Kubernetes findings carry no cloud object: newer Prowler names the cluster in
    # unmapped.provider_uid, the container profile says it is Kubernetes.
    extra = get("unmapped")
    extra = extra if isinstance(extra, dict) else _NOTHING
    provider = _text(cloud.get("provider") or extra.get("provider"))
    if not provider and metadata is not None:
        profiles = metadata.get("profiles")
        if isinstance(profiles, list) and "container" in profiles:
            provider = "kubernetes"
    account = cloud.get("account")
    account = _text(
        (account.get("uid") if isinstance(account, dict) else None) or extra.get("provider_uid")
    )
    severity = get("severity")
    compliance = extra.get("compliance")
    return OcsfFinding(
        check_id,
        title or check_id,
        status_of(document),
        (severity.lower() if isinstance(severity, str) else _text(severity).lower()) or "unknown",
        _resource(document),
        provider,
        account,
        _text(cloud.get("region")),
        _iso2022_in(compliance) if isinstance(compliance, dict) else None,
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
