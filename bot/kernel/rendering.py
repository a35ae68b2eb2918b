"""Jinja2 templates per language, autoescaped for Telegram's HTML parse mode.

Message templates live in bot/templates/<lang>/*.j2. Button labels and short words live in
bot/templates/<lang>/labels.j2 as one `labels` mapping, read through the template's module.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


class Renderer:
    def __init__(self, directory: Path = TEMPLATES_DIR, default_language: str = "fr") -> None:
        self.default_language = default_language
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(directory),
            autoescape=True,  # every message is Telegram HTML: '<', '>', '&' must be escaped
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self.env.filters["month_year"] = _month_year
        self.env.filters["plural"] = _plural
        self.languages = tuple(sorted(p.name for p in directory.iterdir() if p.is_dir()))
        self._labels = cache(self._load_labels)

    def _lang(self, language: str | None) -> str:
        return language if language in self.languages else self.default_language

    def render(self, language: str | None, name: str, **context: Any) -> str:
        """Render bot/templates/<language>/<name>.j2 and trim blank lines at both ends."""
        lang = self._lang(language)
        template = self.env.get_template(f"{lang}/{name}.j2")
        labels = self.labels(lang)
        return template.render(labels=labels, **context).strip()

    def _load_labels(self, language: str) -> Mapping[str, str]:
        module = self.env.get_template(f"{language}/labels.j2").module
        labels: Mapping[str, str] = module.labels  # type: ignore[attr-defined]
        return labels

    def labels(self, language: str | None) -> Mapping[str, str]:
        return self._labels(self._lang(language))

    def label(self, language: str | None, key: str) -> str:
        labels = self.labels(language)
        if key not in labels:
            raise KeyError(f"no label {key!r} in {self._lang(language)}/labels.j2")
        return labels[key]


@jinja2.pass_context
def _plural(
    context: jinja2.runtime.Context, count: int, one: str, many: str, *, number: bool = True
) -> str:
    """`{{ n | plural("candidat", "candidats") }}` -> "1 candidat", "2 candidats"; the word alone
    with number=False. The rule follows the template's language (its folder): French says
    "0 candidat", English "0 candidates"."""
    language = (context.name or "").partition("/")[0]
    singular = count == 1 if language == "en" else abs(count) < 2
    word = one if singular else many
    return f"{count} {word}" if number else word


def _month_year(value: str) -> str:
    """'2007-03' -> '03/2007'."""
    year, _, month = value.partition("-")
    return f"{month}/{year}" if month else value
