"""CSV files a spreadsheet opens (BOM, separator, CRLF, no formula injection) and the PNG chart."""

from __future__ import annotations

import csv
import io
import struct

import pytest

from bot.core.diversity import Share
from bot.pipeline.chart import ChartText, render_png
from bot.pipeline.export import safe_cell, to_csv


@pytest.mark.parametrize("separator", [";", ",", "\t"])
def test_csv_round_trip(separator: str) -> None:
    rows = [[1, 'Léa & "Zoé"', "Marcq-en-Barœul", "25/11/2026 10:00"], [2, "a;b,c\nd", "", None]]
    content = to_csv(["Numéro", "Prénom", "Site", "Date"], rows, separator)
    assert content.startswith(b"\xef\xbb\xbf") and b"\r\n" in content
    parsed = list(
        csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=separator)
    )
    assert parsed == [
        ["Numéro", "Prénom", "Site", "Date"],
        ["1", 'Léa & "Zoé"', "Marcq-en-Barœul", "25/11/2026 10:00"],
        ["2", "a;b,c\nd", "", ""],
    ]


def test_formulas_typed_by_candidates_are_neutralised() -> None:
    assert safe_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert safe_cell("+33612") == "+33612"  # a number stays a number
    assert safe_cell("-5") == "-5"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("-abc") == "'-abc"
    assert safe_cell(None) == ""


def test_chart_is_a_real_png() -> None:
    funnel = [("Accord", 40), ("Fini", 30), ("Éligibles", 20), ("Admis", 6)]
    shares = [
        ("Accord", Share(18, 40, 0.4)),
        ("Fini", Share(3, 30, 0.4)),
        ("Éligibles", Share(2, 4, 0.4)),
        ("Admis", Share(0, 0, 0.4)),
    ]
    text = ChartText("Titre", "Entonnoir", "Femmes", "objectif 40 %", "note")
    png = render_png(funnel, shares, 0.4, text)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind, width, height = struct.unpack(">I4sII", png[8:24])
    assert kind == b"IHDR" and length == 13
    assert (width, height) == (1000, 650)
    assert 10_000 < len(png) < 500_000
    empty = render_png([], [], 0.4, text)
    assert empty[:8] == b"\x89PNG\r\n\x1a\n"


def test_chart_draws_no_stage_of_fewer_than_five() -> None:
    """A stage of 0, 3 or 4 people is the same picture: no bar, "< 5", the same scale."""
    text = ChartText("Titre", "Entonnoir", "Femmes", "objectif 40 %", "note")
    shares = [("Admis", Share(0, 0, 0.4))]
    pictures = {n: render_png([("Admis", n)], shares, 0.4, text) for n in (0, 3, 4, 5)}
    assert pictures[0] == pictures[3] == pictures[4]
    assert pictures[5] != pictures[4]
