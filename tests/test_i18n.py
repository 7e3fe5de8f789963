"""Every user-facing string is marked for translation, and every catalog is current and complete.

- Templates: the text of every template and its human-read attributes (title, alt, placeholder,
  aria-label and the like), outside {% translate %} and {% blocktranslate %}, hold no words.
- Python: messages, validation errors and form and model labels are never bare literals.
- Catalogs: `manage.py makemessages` run now finds exactly the msgids committed in locale/, and each
  language translates all of them, with no fuzzy entries, and passes `msgfmt --check` (placeholders
  match, plural forms are complete).
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template.base import Lexer, TokenType
from django.test import override_settings

ROOT = Path(settings.BASE_DIR)
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
CATALOG = "locale/{}/LC_MESSAGES/django.po"

# Attributes people read (or hear): their literal text must be translated like any other text.
READ_ATTRIBUTES = {
    "title", "alt", "placeholder", "aria-label", "aria-description", "aria-roledescription",
    "aria-valuetext", "label", "summary",
}  # fmt: skip
WORD = re.compile(r"[^\W\d_]{2,}")
HOLE = "\x00"  # where a template tag or variable was: never a word
# Text that is the same in every language (the product's name, a protocol header, a CSV example, CSS
# classes passed through a block), by the start of the text found.
NOT_WORDS = {
    "allauth/layouts/base.html": {"card prose auth-page"},
    "api/token_created.html": {"Authorization: Bearer"},
    "communities/member_import.html": {"email,name,role,circle"},
    "emails/_layout.html": {"PeerPact"},
}


def template_files() -> Iterator[Path]:
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.suffix in {".html", ".txt"}:
            yield path


def untranslated_source(text: str) -> str:
    """The template with every tag, variable, comment and translated passage replaced by a hole."""
    out: list[str] = []
    translating = commenting = 0
    for token in Lexer(text).tokenize():
        name = token.contents.split()[0] if token.token_type == TokenType.BLOCK and token.contents else ""
        translating += {
            "blocktranslate": 1,
            "blocktrans": 1,
            "endblocktranslate": -1,
            "endblocktrans": -1,
        }.get(name, 0)
        commenting += {"comment": 1, "endcomment": -1}.get(name, 0)
        plain = token.token_type == TokenType.TEXT and not translating and not commenting
        out.append(token.contents if plain else HOLE)
    return "".join(out)


class WordFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []  # attributes with words
        self.text: list[str] = []  # text with words
        self.code = 0  # inside <script> or <style>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.code += tag in {"script", "style"}
        self.found += [
            f'{name}="{value}"'
            for name, value in attrs
            if name in READ_ATTRIBUTES and value and WORD.search(value)
        ]

    def handle_endtag(self, tag: str) -> None:
        self.code -= tag in {"script", "style"}

    def handle_data(self, data: str) -> None:
        if not self.code and WORD.search(data.replace(HOLE, " ")):
            self.text.append(" ".join(data.replace(HOLE, " ").split()))


def words_outside_translation(text: str, allowed: frozenset[str] | set[str] = frozenset()) -> list[str]:
    finder = WordFinder()
    finder.feed(untranslated_source(text))
    finder.close()
    # Markup the parser could not place (a tag split by template tags: `<fieldset{% if … %}`) is not text.
    text = [
        t
        for t in finder.text
        if not t.startswith(("<", *allowed)) and not re.fullmatch(r"[\w\s=\"'-]*[\">]", t)
    ]
    return finder.found + text


def test_templates_show_no_words_outside_translation() -> None:
    found = {}
    for path in template_files():
        name = path.relative_to(ROOT / "templates").as_posix()
        if words := words_outside_translation(path.read_text(), NOT_WORDS.get(name, set())):
            found[name] = words
    assert not found, (
        f"text not marked for translation ({{% translate %}} or {{% blocktranslate %}}): {found}"
    )


def test_the_template_check_finds_unmarked_text() -> None:
    page = (
        '{% translate "Fine" %}<p>{% blocktranslate %}Also {{ fine }}{% endblocktranslate %}</p>'
        '<nav aria-label="Main">Welcome back</nav><img alt="{% translate \'ok\' %}">'
        '<script>var ok = "x";</script>'
        "{% comment %}Notes for us{% endcomment %}<p>{{ n }} circles</p>"
    )
    assert words_outside_translation(page) == ['aria-label="Main"', "Welcome back", "circles"]


# --- Python: the places a literal reaches people ------------------------------------------------

MESSAGE_CALLS = {"success", "info", "warning", "error", "debug"}  # django.contrib.messages.<level>
LABEL_KEYWORDS = {"verbose_name", "verbose_name_plural", "help_text", "label", "empty_label"}
QUERY_CALLS = {"filter", "exclude", "get", "Q", "update", "create", "annotate", "aggregate"}


def has_words(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(WORD.search(node.value))
    if isinstance(node, ast.JoinedStr):  # an f-string: its literal parts
        return any(has_words(part) for part in node.values if isinstance(part, ast.Constant))
    return False


def bare_literals(source: str) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        owner = getattr(node.func.value, "id", "") if isinstance(node.func, ast.Attribute) else ""
        shown: list[ast.expr] = []
        if name in {"ValidationError", "PermissionDenied"}:
            shown += node.args[:1]
        elif (name in MESSAGE_CALLS and owner == "messages") or name == "add_error":
            shown += node.args[1:2]
        if name not in QUERY_CALLS:
            shown += [kw.value for kw in node.keywords if kw.arg in LABEL_KEYWORDS]
        yield from ((node.lineno, ast.unparse(arg)) for arg in shown if has_words(arg))


def test_python_never_shows_a_bare_literal() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text}"
        for path in sorted((ROOT / "peerpact").rglob("*.py"))
        if "tests" not in path.parts and "migrations" not in path.parts
        for line, text in bare_literals(path.read_text())
    ]
    assert not found, "wrap these in gettext (_()):\n" + "\n".join(found)


def test_the_python_check_finds_bare_literals() -> None:
    source = (
        "messages.success(request, 'Saved')\nmessages.success(request, _('Fine'))\n"
        "raise ValidationError(f'Too long: {n}')\nforms.CharField(label='Name', help_text=_('ok'))\n"
        "qs.filter(label='needs_attention')\nforms.CharField(label=f'{goal.title}')\n"
    )
    assert [line for line, _text in bare_literals(source)] == [1, 3, 4]


# --- Catalogs -------------------------------------------------------------------------------------


def msgids(po: Path) -> set[tuple[str, str, str]]:
    """(context, msgid, plural) of every entry, the header aside, from a .po file."""
    import polib

    return {(e.msgctxt or "", e.msgid, e.msgid_plural or "") for e in polib.pofile(str(po)) if not e.obsolete}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str, str]]:
    """What makemessages finds in the code now, extracted into a scratch copy of the catalogs."""
    scratch = tmp_path_factory.mktemp("messages")
    for name in ("peerpact", "templates"):
        (scratch / name).symlink_to(ROOT / name)
    shutil.copytree(ROOT / "locale" / LANGUAGES[0], scratch / "locale" / LANGUAGES[0])
    cwd = Path.cwd()
    os.chdir(scratch)
    try:
        with override_settings(LOCALE_PATHS=[scratch / "locale"]):
            call_command("makemessages", locale=[LANGUAGES[0]], symlinks=True, verbosity=0)
    finally:
        os.chdir(cwd)
    return msgids(scratch / CATALOG.format(LANGUAGES[0]))


def test_the_catalogs_hold_exactly_the_strings_in_the_code(extracted: set[tuple[str, str, str]]) -> None:
    for code in LANGUAGES:
        committed = msgids(ROOT / CATALOG.format(code))
        missing, stale = extracted - committed, committed - extracted
        assert not missing and not stale, (
            f"locale/{code} is out of date: run `make messages` and translate. "
            f"New: {sorted(missing)[:10]} Gone: {sorted(stale)[:10]}"
        )


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_catalog_is_complete_and_well_formed(code: str) -> None:
    import polib

    po = ROOT / CATALOG.format(code)
    catalog = polib.pofile(str(po))
    untranslated = [e.msgid for e in catalog.untranslated_entries()]
    fuzzy = [e.msgid for e in catalog.fuzzy_entries()]
    assert not untranslated, f"{len(untranslated)} untranslated in {code}: {untranslated[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy in {code}: {fuzzy[:10]}"
    check = subprocess.run(
        ["msgfmt", "--check", "--output-file=/dev/null", str(po)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
