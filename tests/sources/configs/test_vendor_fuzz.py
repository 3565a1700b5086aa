"""Fuzzing the path-style and best-effort parsers (JunOS, PAN-OS, FortiOS, SR OS, Gaia, F5, A10,
ProCurve, Comware, VyOS, SONiC): random text, statements built from each dialect's own words,
and damaged corpus files never make a parser fail, and every line it reports is a real line."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seawall.records.config import DeviceConfig
from seawall.sources.configs import parse_config_text
from seawall.sources.configs.tree import shlex_tokens, tokens

CONFIGS = Path(__file__).parents[2] / "data" / "configs"
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# dialect -> corpus folders whose files feed its vocabulary and mutations
DIALECTS = {
    "juniper_junos": ["juniper_junos"],
    "paloalto_panos": ["paloalto_panos"],
    "fortinet_fortios": ["fortinet_fortios"],
    "nokia_sros": ["nokia_sros"],
    "checkpoint_gaia": ["checkpoint_gaia"],
    "f5_bigip": ["f5_bigip"],
    "a10_acos": ["a10_acos"],
    "hp_procurve": ["hp_procurve"],
    "hp_comware": ["hp_comware", "hp_procurve"],
    "vyos": ["vyos"],
    "sonic": ["sonic"],
}
STRUCTURE = ["{", "}", ";", '"', "[", "]", "#", "!", "set", "edit", "next", "end", "config", "exit"]


def _corpus(dialect: str) -> list[str]:
    return [
        p.read_text(encoding="utf-8", errors="replace")
        for folder in DIALECTS[dialect]
        for p in sorted((CONFIGS / folder).iterdir())
    ]


def _vocabulary(dialect: str) -> list[str]:
    words = {w for text in _corpus(dialect) for w in text.split() if len(w) < 40}
    return sorted(words) + STRUCTURE


def _lines_in_model(value: Any, out: list[int]) -> None:
    if is_dataclass(value) and not isinstance(value, type):
        for item in fields(value):
            if item.name == "line" and isinstance(value.line, int):
                out.append(value.line)
            elif item.name != "text":
                _lines_in_model(getattr(value, item.name), out)
    elif isinstance(value, dict):
        for item in value.values():
            _lines_in_model(item, out)
    elif isinstance(value, list):
        for item in value:
            _lines_in_model(item, out)


def check(text: str, dialect: str) -> DeviceConfig:
    parsed = parse_config_text(text, "fuzz", dialect)
    assert parsed.model is not None
    assert not [issue for issue in parsed.issues if issue.kind == "parse"], parsed.issues
    model = parsed.model
    assert set(model.unknown_lines) <= set(model.text)
    lines: list[int] = []
    _lines_in_model(model, lines)
    assert all(1 <= n <= max(model.lines_total, 1) for n in lines), lines
    return model


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
@FUZZ
@given(text=st.text(max_size=400))
def test_random_text(dialect: str, text: str) -> None:
    check(text, dialect)


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
@FUZZ
@given(data=st.data())
def test_statements_from_the_dialects_words(dialect: str, data: st.DataObject) -> None:
    vocabulary = _vocabulary(dialect)
    line = st.tuples(
        st.sampled_from(["", " ", "  ", "    ", "\t"]),
        st.lists(st.sampled_from(vocabulary), min_size=1, max_size=8),
    ).map(lambda parts: parts[0] + " ".join(parts[1]))
    lines = data.draw(st.lists(line, min_size=1, max_size=40))
    check("\n".join(lines), dialect)


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
@FUZZ
@given(data=st.data())
def test_damaged_corpus_files(dialect: str, data: st.DataObject) -> None:
    text = data.draw(st.sampled_from(_corpus(dialect)))
    lines = text.splitlines()
    start = data.draw(st.integers(0, len(lines)))
    stop = data.draw(st.integers(start, len(lines)))
    cut = data.draw(st.integers(0, 3))
    if cut == 0:  # a slice of the file (an excerpt, a truncated download)
        damaged = lines[start:stop]
    elif cut == 1:  # a block removed (closing braces, ``end`` and ``next`` lost)
        damaged = lines[:start] + lines[stop:]
    elif cut == 2:  # a block repeated
        damaged = lines[:stop] + lines[start:stop] + lines[stop:]
    else:  # cut mid-line
        joined = "\n".join(lines)
        damaged = [joined[: data.draw(st.integers(0, len(joined)))]]
    check("\n".join(damaged), dialect)


@pytest.mark.parametrize("dialect", ["juniper_junos", "paloalto_panos", "vyos", "f5_bigip"])
def test_brace_nesting_deeper_than_the_recursion_limit(dialect: str) -> None:
    # Flattening walks an explicit stack: a hostile file nested 3000 deep is read, not failed.
    text = "system {\n" + "a {\n" * 3000 + "}\n" * 3001
    model = check(text, dialect)
    assert model.lines_total == 6002


# Quotes, escapes, separators and the whitespace ``str.split`` and ``shlex`` disagree on.
_TOKEN_CHARS = list("ab \"\t x1;{'\\\r\n\x0b\x0c\x1c\xa0\u3000é")


@settings(max_examples=1000, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(_TOKEN_CHARS), max_size=40))
def test_tokens_split_like_shlex(text: str) -> None:
    assert tokens(text) == shlex_tokens(text)
