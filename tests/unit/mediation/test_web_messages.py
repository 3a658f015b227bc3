"""The web app speaks only through its catalogues: every message in the templates and
the web package has a Chinese and an English translation, and no template carries
text outside a message."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from services.mediation.entrypoints.web import i18n
from services.mediation.entrypoints.web.rendering import TEMPLATES

WEB = Path(i18n.__file__).parent
METHODS = [
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2"),
]
OPTIONS = {
    "**/templates/**.html": {
        "extensions": "jinja2.ext.i18n",
        "trim_blocks": "true",
        "lstrip_blocks": "true",
    }
}


def _extracted() -> set[str]:
    keywords = {"_": None, "gettext": None, "N_": None}
    messages = extract_from_dir(WEB, METHODS, options_map=OPTIONS, keywords=keywords)
    return {m[2] if isinstance(m[2], str) else m[2][0] for m in messages}


def _catalogue(language: str) -> dict[str, str]:
    with i18n.catalogue_path(language).open("rb") as po:
        catalogue = read_po(po, locale=language)
    return {
        m.id: m.string
        for m in catalogue
        if m.id and isinstance(m.id, str) and isinstance(m.string, str)
    }


def test_every_message_has_a_chinese_and_an_english_translation() -> None:
    messages = _extracted()
    assert len(messages) > 50
    for language in ("zh_CN", "en"):
        catalogue = _catalogue(language)
        missing = sorted(m for m in messages if not catalogue.get(m))
        assert not missing, f"{language} lacks: {missing}"


def test_chinese_is_the_default_and_translations_keep_their_placeholders() -> None:
    assert i18n.DEFAULT == "zh_CN"
    assert i18n.language_of(None) == "zh_CN"
    assert i18n.language_of("fr") == "zh_CN"
    assert i18n.translations("zh_CN").gettext("Sign in") == "登录"
    for language in ("zh_CN", "en"):
        for msgid, msgstr in _catalogue(language).items():
            assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(
                re.findall(r"%\(\w+\)s", msgstr)
            ), (language, msgid)


class _Text(HTMLParser):
    """Collects text nodes and the attributes people read (labels, titles)."""

    READ = ("aria-label", "title", "placeholder", "alt", "data-label")

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.found.append(data.strip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in self.READ and value and value.strip():
                self.found.append(f"{name}={value.strip()}")


# Jinja constructs (expressions, statements, comments) are where messages and data go.
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
# What may remain between tags: digits, punctuation and separators.
NEUTRAL = re.compile(r"^[0-9\s·()（）:：/|,，.、–-]*$")


def test_templates_carry_no_text_outside_messages() -> None:
    offenders: dict[str, list[str]] = {}
    for template in sorted(TEMPLATES.glob("*.html")):
        parser = _Text()
        parser.feed(JINJA.sub("", template.read_text(encoding="utf-8")))
        bad = [t for t in parser.found if not NEUTRAL.match(t.split("=", 1)[-1])]
        if bad:
            offenders[template.name] = bad
    assert not offenders, offenders
