"""Connector secrets encrypted at rest, with a rotatable keyring outside the database.

The keyring is a JSON file (``ANNEXA_HOME/keys/secrets.key``, mode 0600, created by
``annexa init``) holding 256-bit keys by id and naming the active one. A secret is sealed with
AES-256-GCM under the active key; the token keeps the key id, so tokens sealed under an older
key still open while ``annexa rotate-keys`` re-seals them. The associated data binds a token to
its organization, connector and field: a token copied into another row does not open.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT = "annexa-secrets-keyring/1"
TOKEN_PREFIX = "annexa-secret:v1"  # noqa: S105 - a format marker, not a password
NONCE_BYTES = 12
KEY_BYTES = 32
AAD_LABEL = b"annexa.connectors.secret"


class SecretError(Exception):
    """A secret cannot be sealed or opened; the message says why and what to do."""


@dataclass(frozen=True)
class Keyring:
    """Keys by id and the id new secrets are sealed with."""

    active: str
    keys: dict[str, bytes]

    def seal(self, plaintext: str, aad: bytes) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.active]).encrypt(nonce, plaintext.encode("utf-8"), aad)
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"{TOKEN_PREFIX}:{self.active}:{body}"

    def open(self, token: str, aad: bytes) -> str:
        key_id, payload = split_token(token)
        key = self.keys.get(key_id)
        if key is None:
            raise SecretError(
                f"the secret was sealed with key {key_id!r}, which is not in the keyring; "
                "restore the keyring file from backup"
            )
        try:
            plain = AESGCM(key).decrypt(payload[:NONCE_BYTES], payload[NONCE_BYTES:], aad)
        except InvalidTag:
            raise SecretError(
                "the secret does not open: it belongs to another connector or field, "
                "or it was altered; enter it again"
            ) from None
        return plain.decode("utf-8")


def split_token(token: str) -> tuple[str, bytes]:
    """The key id and the nonce-plus-ciphertext bytes of a sealed token."""
    parts = token.split(":") if isinstance(token, str) else []
    if len(parts) != 4 or ":".join(parts[:2]) != TOKEN_PREFIX:
        raise SecretError("this is not a sealed Annexa secret")
    try:
        payload = base64.urlsafe_b64decode(parts[3].encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise SecretError("the sealed secret is damaged (bad encoding)") from None
    if len(payload) < NONCE_BYTES + 16:
        raise SecretError("the sealed secret is damaged (too short)")
    return parts[2], payload


def associated_data(org_uid: str, connector_uid: str, field: str) -> bytes:
    """What a token is bound to: organization, connector and field name."""
    return b"\x00".join(
        [AAD_LABEL, str(org_uid).encode(), str(connector_uid).encode(), field.encode()]
    )


# --- the keyring file ------------------------------------------------------------------------


def keyring_path() -> Path:
    from django.conf import settings

    return Path(settings.HOME) / "keys" / "secrets.key"


def _new_key_id() -> str:
    return f"{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(4)}"


def _encode(ring: Keyring) -> bytes:
    document = {
        "format": FORMAT,
        "active": ring.active,
        "keys": {kid: base64.b64encode(key).decode("ascii") for kid, key in ring.keys.items()},
    }
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _write(path: Path, ring: Keyring) -> None:
    """Replace the keyring atomically: a crash leaves the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".secrets-", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(_encode(ring))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def ensure_keyring(path: Path | None = None) -> bool:
    """Create the keyring with one key if it does not exist; True when it was created."""
    path = path or keyring_path()
    if path.exists():
        return False
    key_id = _new_key_id()
    _write(path, Keyring(active=key_id, keys={key_id: AESGCM.generate_key(bit_length=256)}))
    return True


_cache: dict[Path, tuple[tuple[int, int], Keyring]] = {}


def load_keyring(path: Path | None = None) -> Keyring:
    """The keyring, re-read whenever the file changed (another process may have rotated it)."""
    path = path or keyring_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise SecretError(f"no secrets keyring at {path}: run `annexa init`") from None
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    ring = _parse(path)
    _cache[path] = (stamp, ring)
    return ring


def _parse(path: Path) -> Keyring:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SecretError(f"the secrets keyring {path} cannot be read: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SecretError(f"{path} is not an Annexa secrets keyring ({FORMAT})")
    keys: dict[str, bytes] = {}
    for key_id, encoded in (document.get("keys") or {}).items():
        try:
            key = base64.b64decode(str(encoded), validate=True)
        except (binascii.Error, ValueError):
            raise SecretError(f"{path}: key {key_id!r} is not base64") from None
        if len(key) != KEY_BYTES:
            raise SecretError(f"{path}: key {key_id!r} is not {KEY_BYTES * 8} bits long")
        keys[str(key_id)] = key
    active = document.get("active")
    if active not in keys:
        raise SecretError(f"{path}: the active key {active!r} is not among its keys")
    return Keyring(active=active, keys=keys)


def add_active_key(path: Path | None = None) -> str:
    """Add a fresh key and make it the active one; older keys stay so old tokens still open."""
    path = path or keyring_path()
    ring = load_keyring(path)
    key_id = _new_key_id()
    while key_id in ring.keys:
        key_id = _new_key_id()
    keys = {**ring.keys, key_id: AESGCM.generate_key(bit_length=256)}
    _write(path, Keyring(active=key_id, keys=keys))
    return key_id


def remove_keys(retired: set[str], path: Path | None = None) -> list[str]:
    """Drop keys no token uses any more (never the active one); returns the ids removed."""
    path = path or keyring_path()
    ring = load_keyring(path)
    removed = sorted(k for k in retired if k in ring.keys and k != ring.active)
    if removed:
        keys = {k: v for k, v in ring.keys.items() if k not in removed}
        _write(path, Keyring(active=ring.active, keys=keys))
    return removed


# --- sealing and opening one field ------------------------------------------------------------


def seal(value: str, *, org_uid: str, connector_uid: str, field: str) -> str:
    """``value`` sealed for one field of one connector of one organization."""
    return load_keyring().seal(value, associated_data(org_uid, connector_uid, field))


def unseal(token: str, *, org_uid: str, connector_uid: str, field: str) -> str:
    """The plaintext of a token sealed by ``seal`` for exactly this field; ``SecretError``
    otherwise."""
    return load_keyring().open(token, associated_data(org_uid, connector_uid, field))
