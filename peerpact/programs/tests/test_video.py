"""Module videos: the URL recogniser, the module page's player, and its per-page CSP."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from peerpact.programs import services
from peerpact.programs.forms import ModuleForm
from peerpact.programs.video import Embed, video_csp, video_embed

YT = "https://www.youtube-nocookie.com/embed/wtl5UrrgU8c"
VIMEO = "https://player.vimeo.com/video/76979871?dnt=1"


@pytest.mark.parametrize(
    ("url", "src"),
    [
        ("https://www.youtube.com/watch?v=wtl5UrrgU8c", YT),
        ("https://youtube.com/watch?v=wtl5UrrgU8c", YT),
        ("https://m.youtube.com/watch?v=wtl5UrrgU8c&feature=share", YT),
        ("https://www.youtube.com/watch?feature=share&v=wtl5UrrgU8c&list=PL123", YT),
        ("https://WWW.YouTube.com/watch?v=wtl5UrrgU8c", YT),
        ("https://youtu.be/wtl5UrrgU8c", YT),
        ("https://youtu.be/wtl5UrrgU8c?si=abc", YT),
        ("https://www.youtube.com/shorts/wtl5UrrgU8c", YT),
        ("https://www.youtube.com/embed/wtl5UrrgU8c", YT),
        ("https://www.youtube-nocookie.com/embed/wtl5UrrgU8c", YT),
        ("https://www.youtube.com/live/wtl5UrrgU8c", YT),
        ("https://www.youtube.com:443/watch?v=wtl5UrrgU8c", YT),
        ("https://youtu.be/wtl5UrrgU8c?t=90", YT + "?start=90"),
        ("https://youtu.be/wtl5UrrgU8c?t=90s", YT + "?start=90"),
        ("https://www.youtube.com/watch?v=wtl5UrrgU8c&t=1m30s", YT + "?start=90"),
        ("https://www.youtube.com/watch?v=wtl5UrrgU8c&t=1h2m3s", YT + "?start=3723"),
        ("https://www.youtube.com/embed/wtl5UrrgU8c?start=42", YT + "?start=42"),
        ("https://www.youtube.com/watch?v=wtl5UrrgU8c#t=75", YT + "?start=75"),
        ("https://youtu.be/wtl5UrrgU8c?t=0", YT),
        ("https://youtu.be/wtl5UrrgU8c?t=soon", YT),
        ("https://youtu.be/wtl5UrrgU8c?t=99999999", YT),
        ("https://vimeo.com/76979871", VIMEO),
        ("https://www.vimeo.com/76979871", VIMEO),
        ("https://vimeo.com/76979871/abcdef1234", VIMEO + "&h=abcdef1234"),
        ("https://vimeo.com/channels/staffpicks/76979871", VIMEO),
        ("https://player.vimeo.com/video/76979871", VIMEO),
        ("https://player.vimeo.com/video/76979871?h=abc123&autoplay=1", VIMEO + "&h=abc123"),
        ("https://vimeo.com/76979871#t=30s", VIMEO + "#t=30s"),
    ],
)
def test_youtube_and_vimeo_links_become_privacy_friendly_players(url, src):
    embed = video_embed(url)
    assert embed is not None and embed.kind == "iframe"
    assert embed.src == src
    assert embed.origin == (
        "https://www.youtube-nocookie.com" if "youtube" in src else "https://player.vimeo.com"
    )
    assert embed.provider == ("YouTube" if "youtube" in src else "Vimeo")


@pytest.mark.parametrize(
    ("url", "src", "origin", "mime_type"),
    [
        ("https://cdn.example.org/talks/habits.mp4", None, "https://cdn.example.org", "video/mp4"),
        ("https://cdn.example.org/talks/habits.MP4?token=abc", None, "https://cdn.example.org", "video/mp4"),
        ("https://cdn.example.org/a.webm#t=10", "https://cdn.example.org/a.webm", None, "video/webm"),
        ("https://cdn.example.org:8443/habits.ogv", None, "https://cdn.example.org:8443", "video/ogg"),
        ("https://CDN.Example.org/habits.mp4", "https://cdn.example.org/habits.mp4", None, "video/mp4"),
    ],
)
def test_https_video_files_play_in_an_html5_video(url, src, origin, mime_type):
    embed = video_embed(url)
    assert embed is not None and embed.kind == "video" and embed.provider == ""
    assert embed.src == (src or url)
    assert embed.origin == (origin or "https://cdn.example.org")
    assert embed.mime_type == mime_type


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "not a url",
        "javascript:alert(1)",
        "javascript://www.youtube.com/watch?v=wtl5UrrgU8c",
        "javascript:alert(1)//x.mp4",
        "data:video/mp4;base64,AAAA",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd.mp4",
        "ftp://cdn.example.org/habits.mp4",
        "//www.youtube.com/watch?v=wtl5UrrgU8c",
        "http://www.youtube.com/watch?v=wtl5UrrgU8c",
        "http://vimeo.com/76979871",
        "http://cdn.example.org/habits.mp4",
        # lookalike hosts
        "https://youtube.com.evil.example/watch?v=wtl5UrrgU8c",
        "https://evil-youtube.com/watch?v=wtl5UrrgU8c",
        "https://www.youtube.co/watch?v=wtl5UrrgU8c",
        "https://youtu.be.evil.example/wtl5UrrgU8c",
        "https://vimeo.com.evil.example/76979871",
        "https://www.youtube.com@evil.example/watch?v=wtl5UrrgU8c",
        "https://www.youtube.com:8080/watch?v=wtl5UrrgU8c",
        "https://www.youtube.com./watch?v=wtl5UrrgU8c",
        "https://www.y\u043eutube.com/watch?v=wtl5UrrgU8c",  # a Cyrillic o
        "https://user:pass@cdn.example.org/habits.mp4",
        "https://127.0.0.1/habits.mp4",
        "https://[::1]/habits.mp4",
        # bad or hostile ids
        "https://www.youtube.com/watch?v=short",
        "https://www.youtube.com/watch?v=wtl5UrrgU8cX",
        "https://www.youtube.com/watch?v=wtl5Urrg%22c",
        'https://www.youtube.com/watch?v=wtl5Urr"gU8',
        "https://www.youtube.com/watch?v=wtl5Urr'gU8",
        "https://www.youtube.com/watch?v=wtl5Urr<gU8",
        "https://www.youtube.com/watch?v=wtl5UrrgU8c&v=aaaaaaaaaaa",
        "https://www.youtube.com/watch",
        "https://www.youtube.com/",
        "https://www.youtube.com/playlist?list=PL123",
        "https://www.youtube.com/@channel",
        "https://www.youtube.com/shorts/wtl5UrrgU8c/extra",
        "https://www.youtube.com/embed/../wtl5UrrgU8c",
        "https://youtu.be/",
        "https://youtu.be/wtl5UrrgU8c/more",
        "https://youtu.be/wtl5UrrgU8c?t=1\nfoo",
        "https://www.youtube.com/watch?v=wtl5UrrgU8c onerror=alert(1)",
        "https://vimeo.com/",
        "https://vimeo.com/about",
        "https://vimeo.com/76979871abc",
        "https://vimeo.com/76979871/NOT-HEX",
        'https://vimeo.com/76979871/abcdef1234"x',
        'https://player.vimeo.com/video/76979871?h=zz"zz',
        "https://player.vimeo.com/76979871",
        "https://vimeo.com/channels/../76979871/x",
        # files
        "https://cdn.example.org/habits.mp4.html",
        "https://cdn.example.org/habits.mov",
        "https://cdn.example.org/.mp4",
        "https://cdn.example.org/mp4",
        'https://cdn.example.org/"onmouseover="alert(1).mp4',
        "https://cdn.example.org/<script>.mp4",
        "https://cdn.example.org/a b.mp4",
        "https://cdn.example.org/a.mp4;script-src *",
        "https://cdn.example.org;script-src */a.mp4",
        "https://example/habits.mp4",
    ],
)
def test_anything_else_stays_a_plain_link(url):
    assert video_embed(url) is None


SAFE_SRC = re.compile(r"https://[a-z0-9.:-]+/[A-Za-z0-9\-._~:/?#\[\]@!$&()*+,;=%]*")
SAFE_ORIGIN = re.compile(r"https://[a-z0-9.-]+(:[0-9]{1,5})?")


@given(
    st.one_of(
        st.text(max_size=120),
        st.builds(
            lambda host, tail: f"https://{host}/{tail}",
            st.sampled_from(["www.youtube.com", "youtu.be", "vimeo.com", "player.vimeo.com", "cdn.test"]),
            st.text(max_size=60),
        ),
    )
)
def test_any_text_gives_no_embed_or_a_safe_one(url):
    embed = video_embed(url)
    if embed is not None:
        assert SAFE_SRC.fullmatch(embed.src)
        assert SAFE_ORIGIN.fullmatch(embed.origin) and embed.src.startswith(embed.origin + "/")
        if embed.kind == "iframe":
            assert embed.origin in ("https://www.youtube-nocookie.com", "https://player.vimeo.com")


def test_the_csp_gains_exactly_the_embed_origin_in_one_directive():
    base = {"default-src": ["'self'"], "script-src": ["'self'"]}
    player = video_csp(Embed(kind="iframe", src=YT, origin="https://www.youtube-nocookie.com"), base)
    assert player == {**base, "frame-src": ["https://www.youtube-nocookie.com"]}
    file_ = video_embed("https://cdn.example.org/a.mp4")
    assert file_ is not None
    assert video_csp(file_, base) == {**base, "media-src": ["https://cdn.example.org"]}
    assert base == {"default-src": ["'self'"], "script-src": ["'self'"]}  # not mutated


# --- The module page ------------------------------------------------------------------------------


def _page(client, cohort, module):
    return client.get(
        reverse(
            "programs:module",
            kwargs={"community": cohort.program.community.slug, "cohort": cohort.pk, "module_id": module.pk},
        )
    )


def _directives(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


@pytest.fixture
def with_video(module, olivia):
    def set_video(url: str, title: str = "") -> None:
        services.module_update(module=module, actor=olivia, video_url=url, video_title=title)

    return set_video


@pytest.mark.django_db
def test_a_youtube_module_plays_in_a_nocookie_frame_allowed_on_that_page_only(
    client, cohort, module, bob, with_video
):
    with_video("https://youtu.be/wtl5UrrgU8c?t=90", "How to ask (8 minutes)")
    client.force_login(bob)
    response = _page(client, cohort, module)
    page = response.content.decode()
    assert response.status_code == 200
    assert '<iframe src="https://www.youtube-nocookie.com/embed/wtl5UrrgU8c?start=90"' in page
    assert 'title="How to ask (8 minutes)"' in page and 'loading="lazy"' in page
    assert "Open the video on YouTube" in page and 'href="https://youtu.be/wtl5UrrgU8c?t=90"' in page
    assert 'class="video-embed__frame"' in page and "style=" not in page
    directives = _directives(response)
    assert directives["frame-src"] == "frame-src https://www.youtube-nocookie.com"
    assert "media-src" not in directives
    assert "'nonce-" in directives["script-src"] and directives["default-src"] == "default-src 'self'"
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"

    # Every other page keeps the strict header.
    other = client.get(
        reverse("programs:cohort", kwargs={"community": cohort.program.community.slug, "cohort": cohort.pk})
    )
    assert other.status_code == 200
    assert "frame-src" not in other.headers["Content-Security-Policy"]
    assert "youtube" not in other.headers["Content-Security-Policy"]


@pytest.mark.django_db
def test_a_vimeo_module_without_a_title_is_named_after_the_module(client, cohort, module, bob, with_video):
    with_video("https://vimeo.com/76979871")
    client.force_login(bob)
    response = _page(client, cohort, module)
    page = response.content.decode()
    assert '<iframe src="https://player.vimeo.com/video/76979871?dnt=1"' in page
    assert 'title="Video: Ask for feedback"' in page and "Open the video on Vimeo" in page
    assert _directives(response)["frame-src"] == "frame-src https://player.vimeo.com"


@pytest.mark.django_db
def test_a_video_file_plays_in_a_video_element_with_its_host_as_media_source(
    client, cohort, module, bob, with_video
):
    with_video("https://cdn.example.org/talks/ask.webm", "Ask")
    client.force_login(bob)
    response = _page(client, cohort, module)
    page = response.content.decode()
    assert '<video controls preload="none" aria-label="Ask">' in page
    assert '<source src="https://cdn.example.org/talks/ask.webm" type="video/webm">' in page
    assert "<iframe" not in page and "Open the video file" in page
    directives = _directives(response)
    assert directives["media-src"] == "media-src https://cdn.example.org" and "frame-src" not in directives


@pytest.mark.django_db
def test_the_video_title_is_escaped_everywhere(client, cohort, module, bob, with_video):
    with_video("https://youtu.be/wtl5UrrgU8c", '"><script>alert(1)</script>')
    client.force_login(bob)
    page = _page(client, cohort, module).content.decode()
    assert "<script>alert(1)" not in page
    assert 'title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page


@pytest.mark.django_db
def test_other_links_stay_links_and_the_policy_stays_strict(client, cohort, module, bob, with_video):
    with_video("https://video.example/ask", "How to ask")
    client.force_login(bob)
    response = _page(client, cohort, module)
    page = response.content.decode()
    assert 'href="https://video.example/ask"' in page and "<iframe" not in page and "<video" not in page
    assert "frame-src" not in response.headers["Content-Security-Policy"]


@pytest.mark.django_db
def test_with_embeds_off_every_video_is_a_link(client, cohort, module, bob, with_video, settings):
    settings.PROGRAM_VIDEO_EMBEDS = False
    with_video("https://www.youtube.com/watch?v=wtl5UrrgU8c", "How to ask")
    client.force_login(bob)
    response = _page(client, cohort, module)
    page = response.content.decode()
    assert 'href="https://www.youtube.com/watch?v=wtl5UrrgU8c"' in page and "How to ask" in page
    assert "<iframe" not in page and "youtube-nocookie" not in page
    header = response.headers["Content-Security-Policy"]
    assert "frame-src" not in header and "youtube" not in header


@pytest.mark.django_db
def test_a_rejected_submission_re_renders_with_the_player_and_its_policy(
    client, cohort, module, bob, with_video
):
    with_video("https://vimeo.com/76979871")
    client.force_login(bob)
    response = client.post(
        reverse(
            "programs:submit",
            kwargs={"community": cohort.program.community.slug, "cohort": cohort.pk, "module_id": module.pk},
        ),
        {"text": ""},
    )
    assert response.status_code == 400
    assert "player.vimeo.com/video/76979871" in response.content.decode()
    assert _directives(response)["frame-src"] == "frame-src https://player.vimeo.com"


def test_the_form_says_which_services_play_on_the_page(settings):
    assert "YouTube and Vimeo" in str(ModuleForm().fields["video_url"].help_text)
    settings.PROGRAM_VIDEO_EMBEDS = False
    assert "YouTube" not in str(ModuleForm().fields["video_url"].help_text)
