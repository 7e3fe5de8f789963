"""Which module video links play on the page, and how: a pure URL recogniser and the page's CSP.

`video_embed(url)` knows three shapes and nothing else:

- YouTube (watch?v=, youtu.be/, /shorts/, /embed/, /live/, with a start time t= or start=) →
  the privacy-enhanced player at https://www.youtube-nocookie.com/embed/<id>;
- Vimeo (vimeo.com/<id>, vimeo.com/<id>/<hash>, player.vimeo.com/video/<id>) →
  https://player.vimeo.com/video/<id>?dnt=1 (do-not-track);
- a direct https link to a .mp4, .webm or .ogv file → an HTML5 <video>.

Anything else (http:, other hosts, lookalike hosts, odd characters) gives None and the page keeps the
plain link. The embed's src is rebuilt from validated parts, never copied from the user's text, and
its origin is what the module page adds to its Content-Security-Policy (`video_csp`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit, urlunsplit

YOUTUBE_ORIGIN = "https://www.youtube-nocookie.com"
VIMEO_ORIGIN = "https://player.vimeo.com"
VIDEO_FILE_TYPES = {".mp4": "video/mp4", ".webm": "video/webm", ".ogv": "video/ogg"}

_YOUTUBE_HOSTS = frozenset(
    {"youtube.com", "www.youtube.com", "m.youtube.com", "youtube-nocookie.com", "www.youtube-nocookie.com"}
)
_YOUTUBE_PATH_KINDS = frozenset({"shorts", "embed", "live"})
_VIMEO_HOSTS = frozenset({"vimeo.com", "www.vimeo.com"})
_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_VIMEO_ID = re.compile(r"[0-9]{1,12}")
_VIMEO_HASH = re.compile(r"[0-9a-f]{6,32}")
_SLUG = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SECONDS = re.compile(r"[0-9]{1,6}")
_HMS = re.compile(r"(?:([0-9]{1,3})h)?(?:([0-9]{1,4})m)?(?:([0-9]{1,6})s)?")
# A DNS name in ASCII (IDNs arrive as xn--): no IP literals, no userinfo, no trailing dot.
_HOSTNAME = re.compile(r"(?=.{1,253}\Z)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}")
# Printable ASCII without space, quotes, angle brackets, backslash, backtick or braces.
_SAFE_URL = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&()*+,;=%]{1,2000}")
_MAX_START = 24 * 3600


@dataclass(frozen=True)
class Embed:
    """How to show a video on the module page."""

    kind: Literal["iframe", "video"]
    src: str
    origin: str  # scheme://host[:port] of src: the one source the page's CSP allows for it
    provider: str = ""  # "YouTube" or "Vimeo"; empty for a video file
    mime_type: str = ""  # for kind == "video"

    @property
    def csp_directive(self) -> str:
        return "frame-src" if self.kind == "iframe" else "media-src"


def video_embed(url: str | None) -> Embed | None:
    """The embed for a video link, or None when it should stay a plain link."""
    if not url or not _SAFE_URL.fullmatch(url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() != "https" or parts.username is not None or parts.password is not None:
        return None
    host = (parts.hostname or "").lower()
    if not _HOSTNAME.fullmatch(host):
        return None
    if host in _YOUTUBE_HOSTS or host == "youtu.be":
        return _youtube(host, port, parts.path, parts.query, parts.fragment)
    if host in _VIMEO_HOSTS or host == "player.vimeo.com":
        return _vimeo(host, port, parts.path, parts.query, parts.fragment)
    return _video_file(host, port, parts.path, parts.query)


def video_csp(embed: Embed, policy: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `policy` (e.g. SECURE_CSP) plus exactly the embed's origin, for frames or for media."""
    extended = {
        directive: list(sources) if isinstance(sources, list | tuple) else sources
        for directive, sources in policy.items()
    }
    extended[embed.csp_directive] = [embed.origin]
    return extended


def _segments(path: str) -> list[str]:
    return [segment for segment in path.split("/") if segment]


def _query(query: str) -> dict[str, list[str]] | None:
    try:
        return parse_qs(query, strict_parsing=False, max_num_fields=30)
    except ValueError:
        return None


def _only(values: dict[str, list[str]], key: str) -> str | None:
    found = values.get(key, [])
    return found[0] if len(found) == 1 else None


def _seconds(text: str | None) -> int | None:
    """A start time as 90, 90s, 1m30s or 1h2m3s; None when absent or unreadable."""
    if not text:
        return None
    if _SECONDS.fullmatch(text):
        seconds = int(text)
    else:
        match = _HMS.fullmatch(text)
        if match is None or not any(match.groups()):
            return None
        hours, minutes, secs = (int(group or 0) for group in match.groups())
        seconds = hours * 3600 + minutes * 60 + secs
    return seconds if 0 < seconds <= _MAX_START else None


def _default_port(port: int | None) -> bool:
    return port in (None, 443)


def _youtube(host: str, port: int | None, path: str, query: str, fragment: str) -> Embed | None:
    values = _query(query)
    if values is None or not _default_port(port):
        return None
    segments = _segments(path)
    if host == "youtu.be":
        video_id = segments[0] if len(segments) == 1 else None
    elif segments == ["watch"]:
        video_id = _only(values, "v")
    elif len(segments) == 2 and segments[0] in _YOUTUBE_PATH_KINDS:
        video_id = segments[1]
    else:
        video_id = None
    if video_id is None or not _YOUTUBE_ID.fullmatch(video_id):
        return None
    fragment_values = _query(fragment) or {}
    start = (
        _seconds(_only(values, "t"))
        or _seconds(_only(values, "start"))
        or _seconds(_only(fragment_values, "t"))
    )
    src = f"{YOUTUBE_ORIGIN}/embed/{video_id}" + (f"?start={start}" if start else "")
    return Embed(kind="iframe", src=src, origin=YOUTUBE_ORIGIN, provider="YouTube")


def _vimeo(host: str, port: int | None, path: str, query: str, fragment: str) -> Embed | None:
    values = _query(query)
    if values is None or not _default_port(port):
        return None
    segments = _segments(path)
    video_hash: str | None = None
    if host == "player.vimeo.com":
        if len(segments) != 2 or segments[0] != "video":
            return None
        video_id, video_hash = segments[1], _only(values, "h")
    elif len(segments) == 1:
        video_id = segments[0]
    elif len(segments) == 2 and _VIMEO_ID.fullmatch(segments[0]):
        video_id, video_hash = segments  # an unlisted video: vimeo.com/<id>/<hash>
    elif len(segments) == 3 and segments[0] == "channels" and _SLUG.fullmatch(segments[1]):
        video_id = segments[2]
    else:
        return None
    if not _VIMEO_ID.fullmatch(video_id):
        return None
    if video_hash is not None and not _VIMEO_HASH.fullmatch(video_hash):
        return None
    src = f"{VIMEO_ORIGIN}/video/{video_id}?dnt=1"
    if video_hash:
        src += f"&h={video_hash}"
    fragment_values = _query(fragment) or {}
    start = _seconds(_only(fragment_values, "t")) or _seconds(_only(values, "t"))
    if start:
        src += f"#t={start}s"
    return Embed(kind="iframe", src=src, origin=VIMEO_ORIGIN, provider="Vimeo")


def _video_file(host: str, port: int | None, path: str, query: str) -> Embed | None:
    stem, dot, extension = path.rsplit("/", 1)[-1].rpartition(".")
    mime_type = VIDEO_FILE_TYPES.get(f".{extension.lower()}") if stem and dot else None
    if mime_type is None:
        return None
    netloc = host if _default_port(port) else f"{host}:{port}"
    origin = f"https://{netloc}"
    src = urlunsplit(("https", netloc, path, query, ""))
    return Embed(kind="video", src=src, origin=origin, mime_type=mime_type)
