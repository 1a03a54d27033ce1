"""Outbound requests only to public addresses (an SSRF guard for connectors and webhooks).

A URL given by a user must not make the server talk to itself, its private network or a cloud
metadata endpoint. So every outbound request goes through ``guarded_client()``, whose transport
(for every hop, redirects included):

1. parses the host, recognising every spelling of an IPv4 address that C's ``inet_aton``
   accepts (``2130706433``, ``0x7f.1``, ``0177.0.0.1``, ``127.1``) and IPv6 literals
   (``[::1]``, ``[::ffff:127.0.0.1]``, zone ids);
2. resolves a name with ``getaddrinfo`` and refuses it unless *every* address is public —
   not private, loopback, link-local, multicast, reserved, unspecified, shared (CGNAT), a
   metadata address, or an IPv6 form embedding such an IPv4 address;
3. connects to the validated address itself (the Host header and TLS server name stay the
   original name), so a second DNS answer cannot swap in another address.

``ANNEXA_OUTBOUND_ALLOW`` (settings ``OUTBOUND_ALLOW``) lists CIDR ranges an administrator
allows explicitly, e.g. an internal Prowler server at ``10.20.0.0/16``.

This module imports nothing of Django at load time: the settings use ``parse_allow_list``.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

SCHEMES = ("http", "https")
MAX_REDIRECTS = 5
# Cloud metadata services (most are link-local or private anyway; listed so the reason is clear).
METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)
# IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64, IPv4-compatible).
_EMBEDDING_V4 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("::/96"))


class OutboundRefused(httpx.RequestError):
    """The destination is not allowed; the message names the address and the reason."""

    def __init__(self, message: str, request: httpx.Request | None = None) -> None:
        super().__init__(message, request=request)


# --- the allow-list setting ------------------------------------------------------------------


def parse_allow_list(value: str | None) -> tuple[IPNetwork, ...]:
    """``"10.0.0.0/8, fd12::/16"`` as networks; ``ValueError`` naming a bad entry.

    Strict: a host address needs an explicit prefix length (``10.1.2.3/32``), and host bits
    must be zero, so a typo cannot silently widen or narrow the range.
    """
    networks = []
    for item in (value or "").split(","):
        text = item.strip()
        if not text:
            continue
        if "/" not in text:
            raise ValueError(f"{text!r} has no prefix length; write e.g. {text}/32")
        try:
            networks.append(ipaddress.ip_network(text, strict=True))
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a CIDR range ({exc})") from None
    return tuple(networks)


def configured_allow_list() -> tuple[IPNetwork, ...]:
    from django.conf import settings

    return tuple(getattr(settings, "OUTBOUND_ALLOW", ()))


# --- parsing hosts ----------------------------------------------------------------------------


def _ipv4_part(text: str) -> int:
    """One dotted part in C notation: decimal, 0x hex or leading-zero octal."""
    lowered = text.lower()
    if lowered.startswith("0x"):
        digits, base = lowered[2:] or "0", 16
    elif len(text) > 1 and text.startswith("0"):
        digits, base = text[1:], 8
    else:
        digits, base = text, 10
    if not digits or not all(c in "0123456789abcdef"[:base] for c in digits):
        raise ValueError(text)
    return int(digits, base)


def parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address ``host`` spells in any ``inet_aton`` form, or None if it is a name.

    ``a.b.c.d``; ``a.b.c`` (c fills 16 bits); ``a.b`` (b fills 24 bits); ``a`` (32 bits).
    """
    parts = host.split(".")
    if parts and parts[-1] == "":
        parts = parts[:-1]  # a trailing dot, as in a fully qualified name
    if not 1 <= len(parts) <= 4:
        return None
    try:
        numbers = [_ipv4_part(p) for p in parts]
    except ValueError:
        return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        raise OutboundRefused(f"{host!r} is a malformed IPv4 address")
    value = 0
    for number in head:
        value = value * 256 + number
    value = value * 256 ** (5 - len(numbers)) + last
    return ipaddress.IPv4Address(value)


def parse_ip(host: str) -> IPAddress | None:
    """The address a URL host spells literally (IPv4 in any form, IPv6 with or without
    brackets and zone), or None when ``host`` is a name to resolve."""
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text.split("%", 1)[0])
        except ValueError:
            raise OutboundRefused(f"{host!r} is a malformed IPv6 address") from None
    return parse_ipv4(text)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    for network in _EMBEDDING_V4:
        if ip in network:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refusal(ip: IPAddress, allow: Sequence[IPNetwork] = ()) -> str | None:
    """Why ``ip`` may not be contacted, or None when it may."""
    if any(ip.version == net.version and ip in net for net in allow):
        return None
    if ip in METADATA:
        return "a cloud metadata address"
    if isinstance(ip, ipaddress.IPv6Address) and not (ip.is_loopback or ip.is_unspecified):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            reason = refusal(inner, allow)
            return f"an IPv6 form of {inner}, {reason}" if reason else None
    for attribute, reason in (
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_unspecified", "the unspecified address"),
        ("is_reserved", "a reserved address"),
        ("is_private", "a private address"),
    ):
        if getattr(ip, attribute):
            return reason
    if not ip.is_global:
        return "not a public address"
    return None


def _getaddrinfo(host: str, port: int) -> list[tuple]:
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


def resolve(host: str, port: int, allow: Sequence[IPNetwork] | None = None) -> list[IPAddress]:
    """Every address ``host`` stands for, all of them allowed; ``OutboundRefused`` otherwise.

    Refusing when any answer is forbidden (not only the first) stops a name that answers with
    a public and a private address from reaching the private one on a retry.
    """
    allow = configured_allow_list() if allow is None else allow
    literal = parse_ip(host)
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        try:
            answers = _getaddrinfo(host, port)
        except (socket.gaierror, UnicodeError) as exc:
            raise OutboundRefused(f"cannot resolve {host!r}: {exc}") from None
        addresses = list(
            dict.fromkeys(ipaddress.ip_address(a[4][0].split("%", 1)[0]) for a in answers)
        )
        if not addresses:
            raise OutboundRefused(f"{host!r} has no address")
    for ip in addresses:
        reason = refusal(ip, allow)
        if reason:
            shown = host if literal is None else str(ip)
            raise OutboundRefused(
                f"refused to connect to {shown} ({ip}): {reason}. An administrator can allow "
                "a range with ANNEXA_OUTBOUND_ALLOW."
            )
    return addresses


def check_url(url: str, allow: Sequence[IPNetwork] | None = None) -> list[IPAddress]:
    """Validate a URL as a whole (scheme, host, addresses); returns the allowed addresses."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise OutboundRefused(f"not a URL: {exc}") from None
    if parts.scheme not in SCHEMES:
        raise OutboundRefused(f"only http and https URLs are allowed, not {parts.scheme!r}")
    if not parts.hostname:
        raise OutboundRefused("the URL names no host")
    default = 443 if parts.scheme == "https" else 80
    return resolve(parts.hostname, port or default, allow)


def check_literal(url: str, allow: Sequence[IPNetwork] | None = None) -> None:
    """What can be checked without DNS (for forms): scheme, host and a literal address."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise OutboundRefused(f"not a URL: {exc}") from None
    if parts.scheme not in SCHEMES:
        raise OutboundRefused(f"only http and https URLs are allowed, not {parts.scheme!r}")
    if not parts.hostname:
        raise OutboundRefused("the URL names no host")
    literal = parse_ip(parts.hostname)
    allow = configured_allow_list() if allow is None else allow
    if literal is not None and (reason := refusal(literal, allow)):
        raise OutboundRefused(f"refused: {literal} is {reason}")


def literal_problem(url: str) -> str | None:
    """``check_literal`` for a configuration form: the reason ``url`` is refused, or None."""
    try:
        check_literal(url)
    except OutboundRefused as exc:
        return str(exc)
    return None


# --- the httpx transport ----------------------------------------------------------------------


class GuardedTransport(httpx.BaseTransport):
    """Validates every request's destination and pins the connection to the checked address.

    The request goes to ``inner`` (a plain ``httpx.HTTPTransport`` unless given) with the URL's
    host replaced by the validated IP; the ``Host`` header and, for HTTPS, the TLS server name
    (``sni_hostname``) keep the original name, so certificates are still checked against it.
    """

    def __init__(
        self,
        inner: httpx.BaseTransport | None = None,
        allow: Iterable[IPNetwork] | None = None,
    ) -> None:
        self.inner = inner or httpx.HTTPTransport(retries=0)
        self.allow = tuple(allow) if allow is not None else None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in SCHEMES:
            raise OutboundRefused(f"only http and https URLs are allowed, not {url.scheme!r}")
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            addresses = resolve(url.host, port, self.allow)
        except OutboundRefused as exc:
            raise OutboundRefused(str(exc), request=request) from None
        request.url = url.copy_with(host=str(addresses[0]))
        request.headers["Host"] = url.netloc.decode("ascii")
        if url.scheme == "https" and parse_ip(url.host) is None:
            request.extensions = {**request.extensions, "sni_hostname": url.host}
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def guarded_client(
    *,
    timeout: float = 30.0,
    inner: httpx.BaseTransport | None = None,
    allow: Iterable[IPNetwork] | None = None,
    **options,
) -> httpx.Client:
    """An ``httpx.Client`` that may only reach allowed addresses, redirects included.

    ``trust_env`` is off: a proxy from the environment would connect on our behalf and bypass
    the address check.
    """
    return httpx.Client(
        transport=GuardedTransport(inner=inner, allow=allow),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        timeout=timeout,
        trust_env=False,
        **options,
    )
