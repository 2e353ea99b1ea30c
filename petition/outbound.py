"""Outgoing HTTP requests to addresses organizers typed (webhooks), behind an
SSRF guard.

The host is resolved once, every address it resolves to is checked, and the
connection is made to the checked address itself (TLS still verifies the
certificate for the host name): a DNS answer that changes between the check
and the connection (rebinding) cannot slip a private address in. Unless
`WEBHOOK_ALLOW_PRIVATE` (dev stack, tests; refused in production), loopback,
private, link-local, multicast, reserved and unspecified addresses are refused.
Redirects are not followed.
"""

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _


class Refused(ValueError):
    """The URL may not be called; the message is for people."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str


def parse(url: str) -> Target:
    """Check the URL's form (not its addresses); raise Refused."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError:
        raise Refused(_("Adresse invalide.")) from None
    allow_http = _relaxed() or current_app.config["APP_ENV"] != "production"
    if parts.scheme != "https" and not (allow_http and parts.scheme == "http"):
        raise Refused(_("L’adresse doit commencer par https://."))
    if not parts.hostname or parts.username or parts.password:
        raise Refused(_("Adresse invalide : un nom d’hôte, sans identifiants."))
    default = 443 if parts.scheme == "https" else 80
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port or default, path)


def _relaxed():
    return bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE"))


def forbidden(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def resolve(target: Target) -> str:
    """The address to connect to: the first the host resolves to, all checked."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise Refused(_("Ce nom d’hôte est introuvable.")) from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not addresses:
        raise Refused(_("Ce nom d’hôte est introuvable."))
    if not _relaxed() and any(forbidden(ip) for ip in addresses):
        raise Refused(_("Cette adresse mène à un réseau privé : elle est refusée."))
    return str(addresses[0])


def check(url: str) -> Target:
    """At registration: the URL's form and the addresses it resolves to now."""
    target = parse(url)
    resolve(target)
    return target


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, ip, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pinned_ip = ip

    def connect(self):
        self.sock = socket.create_connection((self.pinned_ip, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, ip, *args, **kwargs):
        super().__init__(*args, context=ssl.create_default_context(), **kwargs)
        self.pinned_ip = ip

    def connect(self):
        sock = socket.create_connection((self.pinned_ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST `body`; the response's status code. Raises Refused or OSError."""
    target = parse(url)
    ip = resolve(target)  # checked again at send time: DNS may have changed
    kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    conn = kind(ip, target.host, target.port, timeout=timeout)
    try:
        conn.request("POST", target.path, body=body, headers=headers)
        response = conn.getresponse()
        response.read(64 * 1024)  # a little of the body, never all of it
        return response.status
    except http.client.HTTPException as exc:
        raise OSError(f"bad HTTP response: {type(exc).__name__}") from exc
    finally:
        conn.close()
