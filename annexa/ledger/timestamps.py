"""RFC 3161 time-stamps of checkpoints from the TSA at ANNEXA_TSA_URL (optional).

A time-stamp is an independent party's signed statement that the checkpoint's signed message
(its SHA-256) existed at a time: a checkpoint cannot later be forged with an earlier date, even
by someone holding the instance's signing key. The request goes out after the checkpoint is
committed, so a slow or absent TSA never delays appends or loses a checkpoint; the next
checkpoint run time-stamps a checkpoint left without one.

The TSA URL is an administrator's setting, not a user's input, so it is not sent through the
outbound guard (``connectors/netguard.py``): an internal TSA on a private address works without
ANNEXA_OUTBOUND_ALLOW. Redirects are not followed.
"""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import rfc3161_client
from django.conf import settings

from annexa.ledger.models import Checkpoint, CheckpointTimestamp
from annexa.ledger.verifier import load_tsa_roots, timestamp_problem

TIMEOUT_SECONDS = 10
MAX_RESPONSE_BYTES = 64 * 1024
QUERY_TYPE = "application/timestamp-query"


class TimestampError(Exception):
    """The TSA did not give a usable time-stamp; the message says why."""


def configured_roots() -> list | None:
    """The TSA's CA certificates from ANNEXA_TSA_CA_FILE, or None when it is not set."""
    if not settings.TSA_CA_FILE:
        return None
    try:
        return load_tsa_roots(Path(settings.TSA_CA_FILE))
    except (OSError, ValueError) as exc:
        raise TimestampError(f"ANNEXA_TSA_CA_FILE cannot be read: {exc}") from None


def request(message: bytes, url: str) -> bytes:
    """A DER TimeStampResp over SHA-256(``message``) from ``url``, checked before it is kept:
    granted, our nonce, our imprint and — when ANNEXA_TSA_CA_FILE is set — a valid TSA chain."""
    query = (
        rfc3161_client.TimestampRequestBuilder()
        .data(message)
        .hash_algorithm(rfc3161_client.HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    try:
        answer = httpx.post(
            url,
            content=query.as_bytes(),
            headers={"Content-Type": QUERY_TYPE},
            timeout=TIMEOUT_SECONDS,
            follow_redirects=False,
        )
    except httpx.HTTPError as exc:
        raise TimestampError(f"the TSA at {url} did not answer: {exc}") from None
    if answer.status_code != 200 or len(answer.content) > MAX_RESPONSE_BYTES:
        raise TimestampError(f"the TSA at {url} answered HTTP {answer.status_code}")
    der = answer.content
    try:
        response = rfc3161_client.decode_timestamp_response(der)
    except ValueError as exc:
        raise TimestampError(f"the TSA at {url} sent no time-stamp response: {exc}") from None
    if response.status != rfc3161_client.PKIStatus.GRANTED:
        raise TimestampError(f"the TSA at {url} refused: status {response.status}")
    if response.tst_info.nonce != query.nonce:
        raise TimestampError(f"the TSA at {url} answered another request (nonce mismatch)")
    problem = timestamp_problem(base64.b64encode(der).decode(), message, configured_roots())
    if problem:
        raise TimestampError(f"the TSA at {url}: {problem}")
    return der


def stamp(checkpoint: Checkpoint) -> CheckpointTimestamp:
    """Time-stamp ``checkpoint`` at ANNEXA_TSA_URL and keep the response beside it."""
    org = checkpoint.organization
    der = request(checkpoint.message(str(org.uid)), settings.TSA_URL)
    gen_time = rfc3161_client.decode_timestamp_response(der).tst_info.gen_time
    return CheckpointTimestamp.objects.create(
        organization=org,
        checkpoint=checkpoint,
        response=base64.b64encode(der).decode("ascii"),
        tsa_url=settings.TSA_URL,
        gen_time=gen_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
