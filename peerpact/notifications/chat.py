"""Chat delivery through Apprise (https://github.com/caronc/apprise): checking, masking and sending URLs.

Which URLs a person may save (checked when a target is saved, and again before every send):

- Apprise must know the scheme: `Apprise().add(url)` is True.
- Schemes that act on the server itself are refused: syslog (writes the server's own logs), desktop
  notifications (dbus, qt, kde, glib, gio, gnome, macosx, windows) and blink1 (a USB light). `file://`
  is refused by name too, although Apprise only uses it for attachments, never as a notification target.
- Targets inside the server's own network are refused unless `CHAT_ALLOW_PRIVATE_HOSTS` is on: a host
  that is `localhost`, or an address (literal or what a dotted name resolves to) that is not globally
  routable — loopback, private, link-local (cloud metadata), carrier-grade NAT, reserved. Otherwise anyone
  with an account could make the worker POST to the machine's admin ports. This is a guard, not a fence:
  a name may resolve differently at send time, so an egress firewall remains the real protection.
- Redirects are never followed (the asset default, and forced per URL), so a public endpoint cannot
  bounce the request inside.

Apprise keeps nothing on disk here: no persistent storage path is set and result logs stay in memory.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import apprise
from django.conf import settings
from django.utils.translation import gettext as _

# Schemes whose "delivery" happens on the server machine itself.
LOCAL_SCHEMES = frozenset(
    {"file", "syslog", "dbus", "qt", "kde", "glib", "gio", "gnome", "macosx", "windows", "blink1"}
)
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
# A whole call may not take longer than this (the test button waits for it; so does the worker).
TIMEOUT_SECONDS = 20
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]+|[0-9]+)$", re.IGNORECASE)


def _asset() -> apprise.AppriseAsset:
    return apprise.AppriseAsset(
        app_id="PeerPact",
        app_desc="PeerPact",
        app_url=settings.SITE_URL,
        http_redirects=False,
        result_log_disk_size=0,  # result logs stay in memory: no temporary files
    )


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].strip().lower() if "://" in url else ""


def _is_internal_address(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global


def _resolves_inside(host: str) -> bool:
    """True if the operating system's resolver turns `host` into any internal address."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False  # unresolvable here: the send fails on its own
    return any(_is_internal_address(str(info[4][0])) for info in infos)


def _internal_host(host: str, *, self_hosted: bool) -> bool:
    host = host.strip().strip(".").lower()
    if not host:
        return False
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return True
    if _is_internal_address(host):
        return True
    # A dotted name, or (for services people host themselves, where the host really is where we
    # connect) a bare number such as 2130706433: what the resolver makes of it is what requests uses.
    # Cloud services keep tokens in the host part (discord://<webhook id>/…): those are not resolved.
    if "." in host or (self_hosted and _NUMERIC_HOST.match(host)):
        return _resolves_inside(host)
    return False


def host_is_internal(host: str) -> bool:
    """True for localhost or a host that is, or resolves to, a non-global address (webhooks use it too)."""
    return _internal_host(host, self_hosted=True)


def url_problem(url: str) -> str | None:
    """Why this Apprise URL may not be used (a sentence for the person), or None if it may."""
    url = url.strip()
    scheme = _scheme(url)
    if not scheme:
        return _("Enter an Apprise URL, such as ntfys://ntfy.sh/my-topic or discord://id/token.")
    if scheme in LOCAL_SCHEMES:
        return _("%(scheme)s:// sends to the server itself and is not allowed here.") % {"scheme": scheme}
    plugin = apprise.Apprise.instantiate(url, asset=_asset(), suppress_exceptions=True)
    if plugin is None or not apprise.Apprise(asset=_asset()).add(url):
        return _(
            "Apprise does not understand this URL (unknown service %(scheme)s:// or missing parts). "
            "Check it against the Apprise documentation."
        ) % {"scheme": scheme}
    if not settings.CHAT_ALLOW_PRIVATE_HOSTS:
        self_hosted = bool(getattr(plugin, "protocol", None))
        hosts = {urlsplit(url).hostname or "", str(getattr(plugin, "host", "") or "")}
        hosts.add(str(getattr(plugin, "smtp_host", "") or ""))  # mailto:// may name its own SMTP server
        if any(_internal_host(host, self_hosted=self_hosted) for host in hosts):
            return _(
                "This URL points inside the server's own network (localhost or a private address), "
                "which is not allowed here."
            )
    return None


def url_mask(url: str) -> str:
    """The URL with its secrets hidden: the scheme and the last four characters, e.g. slack://…/…1234."""
    scheme = _scheme(url) or "?"
    rest = url.split("://", 1)[-1].split("?", 1)[0].split("#", 1)[0].rstrip("/")
    tail = rest[-4:] if len(rest) >= 12 else ""
    return f"{scheme}://…/…{tail}"


@dataclass(frozen=True)
class Outcome:
    ok: bool
    error: str = ""


def send(*, url: str, title: str, body: str) -> Outcome:
    """Send one text message to one Apprise URL now. Never raises: a failure comes back as its reason."""
    problem = url_problem(url)
    if problem:
        return Outcome(ok=False, error=problem)
    plugin = apprise.Apprise.instantiate(url, asset=_asset(), suppress_exceptions=True)
    if plugin is None:
        return Outcome(ok=False, error=_("Apprise does not understand this URL."))
    plugin.redirects = False  # a ?redirect=yes in the URL must not reopen the way inside
    client = apprise.Apprise(asset=_asset())
    client.add(plugin)
    try:
        with client.notify(
            body=body,
            title=title,
            body_format=apprise.NotifyFormat.TEXT,
            timeout=TIMEOUT_SECONDS,
        ) as result:
            if result:
                return Outcome(ok=True)
            reasons = [entry.message for entry in result.logs() if entry.level in {"WARNING", "ERROR"}]
            return Outcome(ok=False, error=" ".join(reasons)[:1000] or result.status.name.lower())
    except Exception as exc:  # a plugin bug must not take the page or the worker down
        return Outcome(ok=False, error=f"{type(exc).__name__}: {exc}"[:1000])
