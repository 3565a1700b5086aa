"""Bad input is counted with line numbers, never dropped silently, never fatal."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from log_helpers import LOGS

from seawall.sources.logs import MAX_LISTED_ISSUES, parse_lines
from seawall.sources.logs.source import split_lines

GOOD = (
    "<189>12: rtr1: Mar  1 10:00:00.000 UTC: %SYS-5-CONFIG_I: Configured from console by admin"
    " on vty0 (192.0.2.10)"
)
CORPUS_LINES = [
    line
    for path in sorted(LOGS.rglob("*.log"))
    for line in path.read_text(encoding="utf-8").split("\n")
    if line.strip()
]


def test_garbage_and_binary_lines_are_counted_with_their_numbers() -> None:
    lines = [
        GOOD,
        "",
        "hello world",
        "\x00\x01\x02\x7f binary \ufffd",
        "   ",
        GOOD,
        '{"json": true}',
        "% Invalid input detected at '^' marker.",
    ]
    table, issues = parse_lines(lines, path="mixed.log", first_line=10, default_year=2024)
    assert table["input.line"].to_pylist() == [10, 15]
    assert [(i.location.file, i.location.line, i.kind) for i in issues] == [
        ("mixed.log", 12, "parse"),
        ("mixed.log", 13, "parse"),
        ("mixed.log", 16, "parse"),
        ("mixed.log", 17, "parse"),
    ]
    assert "not a recognised device log line ('hello world')" in issues[0].reason
    assert "?" in issues[1].reason  # control bytes shown as '?', never raw


def test_issue_text_hides_secrets() -> None:
    _, issues = parse_lines(["username admin password 0 Secret123"], path="x")
    assert "Secret123" not in issues[0].reason and "<redacted>" in issues[0].reason


def test_many_unknown_lines_are_listed_then_counted() -> None:
    lines = ["junk line"] * (MAX_LISTED_ISSUES + 50) + [GOOD]
    table, issues = parse_lines(lines, path="junk.log", default_year=2024)
    assert table.num_rows == 1
    assert len(issues) == MAX_LISTED_ISSUES + 1
    assert issues[-1].location.line is None and "50 more" in issues[-1].reason


def test_records_without_their_header_are_unknown() -> None:
    _, issues = parse_lines(['\tUser-Name = "ops"'], path="r.log")
    assert [i.location.line for i in issues] == [1]
    # CSV rows are Secure ACS records only under an ACS header (with a User-Name column)
    csv = ["05/18/2004,02:11:03,a,b", "Date,Time,Src,Dst", "05/18/2004,02:11:03,1.1.1.1,2.2.2.2"]
    _, issues = parse_lines(csv, path="flows.csv")
    assert [i.location.line for i in issues] == [1, 2, 3]


def test_inputs_of_every_kind() -> None:
    for lines in ([], [""], pa.array([], pa.string()), pa.array([GOOD, None]), (GOOD,)):
        table, issues = parse_lines(lines, path="x")
        assert table.num_rows in (0, 1) and not issues
    binary = pa.array([GOOD.encode(), b"\xff\xfe"], pa.binary())
    table, issues = parse_lines(binary, path="x")
    assert table.num_rows == 1 and [i.location.line for i in issues] == [2]
    chunked = pa.chunked_array([[GOOD], [GOOD]])
    assert parse_lines(chunked, path="x")[0]["input.line"].to_pylist() == [1, 2]


def test_blocks_and_threads_give_the_same_records(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import seawall.sources.logs as logs

    lines = ([*CORPUS_LINES[:60], "junk"]) * 3
    whole, whole_issues = parse_lines(lines, path="x", default_year=2023)
    monkeypatch.setattr(logs, "BLOCK_LINES", 7)  # RADIUS records span blocks
    table, issues = parse_lines(lines, path="x", default_year=2023)
    assert table.equals(whole)
    assert issues == whole_issues
    assert [i.location.line for i in issues] == [61, 122, 183]
    numbers = table["input.line"].to_pylist()
    assert numbers == sorted(numbers)


_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200)


@st.composite
def _damaged(draw: st.DrawFn) -> str:
    line = draw(st.sampled_from(CORPUS_LINES))
    cut = draw(st.integers(0, len(line)))
    insert = draw(_text)
    return line[:cut] + insert + line[cut + draw(st.integers(0, 10)) :]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_text, _damaged(), st.sampled_from(CORPUS_LINES)), max_size=30))
def test_parse_lines_never_raises(lines: list[str]) -> None:
    table, issues = parse_lines(lines, path="fuzz", default_year=2024)
    assert table.num_rows <= len(lines) + 1
    assert all(i.location.line is not None for i in issues)
    understood = set(table["input.line"].to_pylist())
    assert not understood & {i.location.line for i in issues}


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_never_raise(data: bytes) -> None:
    text = data.decode("utf-8", "replace").encode("utf-8")
    lines = split_lines(text)
    table, issues = parse_lines(lines, path="bytes")
    assert table.num_rows + len(issues) <= len(lines) + 1
