"""The rows of the pipeline CSV (/export pipeline), written from the database's rows as they come
(bot/pipeline/read_store.py export_chunks), lean enough for 50,000 rows in a thread.

Every column has its formatter, built once per export: the labels of a stage, a result, a site
or a cohort are made once per value, safe (bot/pipeline/export.py safe_cell); an answer's cells
once per distinct answer (free text aside, answers repeat: "none", "95140"...); dates through the
Babel pattern's strftime form (bot/kernel/rendering.py datetime_formatter), computed once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from bot.core.flow import Step
from bot.kernel.rendering import datetime_formatter
from bot.pipeline.context import PipelineContext
from bot.pipeline.export import CsvFile, safe_cell
from bot.pipeline.models import Cohort

SHOWN_MAX = 20_000  # distinct answers a question's column remembers (free text: all differ)
# Questions without a column of their own: the first name and the site have theirs; gender is
# never shown per candidate (aggregates only).
NOT_EXPORTED = frozenset({"first_name", "site", "gender"})
# Columns computed from a question's answer, right after that question's column.
DERIVED_COLUMNS: dict[str, tuple[str, ...]] = {"postcode": ("qpv",)}


class _Labels:
    """Safe cells of a value, made once per value."""

    def __init__(self, make: Callable[[Any], object]) -> None:
        self.make = make
        self.cells: dict[Any, str] = {}

    def __call__(self, value: Any) -> str:
        cell = self.cells.get(value)
        if cell is None:
            cell = self.cells[value] = safe_cell(self.make(value))
        return cell


class PipelineRows:
    """Writes database rows (id, site, stage, result, review_status, source, created_at,
    submitted_at, cohort_id, answers as a JSON object) as CSV rows, in the columns' order."""

    def __init__(
        self, ctx: PipelineContext, questions: Sequence[Step], cohorts: Mapping[int, Cohort]
    ) -> None:
        self.ctx = ctx
        self.questions = [(s.key, s) for s in questions]
        self.site = _Labels(ctx.site_name)
        self.stage = _Labels(ctx.stage)
        self.result = _Labels(lambda r: ctx.label(f"staff.result.{r}") if r else "")
        self.review = _Labels(lambda r: ctx.label(f"staff.review.{r}") if r else "")
        self.source = _Labels(lambda s: s or "")
        self.cohort = _Labels(lambda c: cohorts[c].name if c in cohorts else "")
        self.when = datetime_formatter(ctx.lang, "short", ctx.tz)
        self.answers: dict[str, dict[object, list[str]]] = {k: {} for k, _ in self.questions}
        self.yes, self.no = ctx.label("staff.yes"), ctx.label("staff.no")

    def write(self, file: CsvFile, rows: Iterable[Sequence[Any]]) -> None:
        file.write_safe(self.row(r) for r in rows)

    def row(self, r: Sequence[Any]) -> list[str]:
        cid, site, stage, result, review, source, created, submitted, cohort, given = r
        answers: dict[str, Any] = json.loads(given) if given else {}
        cells = [
            str(cid),
            safe_cell(answers.get("first_name") or ""),
            self.site(site),
            self.stage(stage),
            self.result(result),
            self.review(review),
            self.source(source),
        ]
        for key, step in self.questions:
            cells += self._answer_cells(key, step, answers.get(key, _MISSING))
        cells += [self.when(created), self.when(submitted), self.cohort(cohort)]
        return cells

    def _answer_cells(self, key: str, step: Step, value: object) -> list[str]:
        seen = self.answers[key]
        plain = not isinstance(value, list | dict)
        token = value if plain else json.dumps(value, ensure_ascii=False, sort_keys=True)
        cells = seen.get(token)
        if cells is None:
            if len(seen) >= SHOWN_MAX:
                seen.clear()
            shown = (
                "" if value is _MISSING else self.ctx.screening.display(self.ctx.lang, step, value)
            )
            made = [shown]
            if "qpv" in DERIVED_COLUMNS.get(key, ()):
                qpv = value is not _MISSING and self.ctx.qpv.contains(value)
                made.append(self.yes if qpv else self.no)
            cells = seen[token] = [safe_cell(c) for c in made]
        return cells


class _Missing:
    """No answer to a question (not the same as an answer of None)."""

    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Any = _Missing()
