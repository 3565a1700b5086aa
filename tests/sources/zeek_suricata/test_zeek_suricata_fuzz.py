"""Random and mutated lines never crash the Zeek or Suricata sources: every line is either a
record or a located issue (or a header/blank line)."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seawall.sources.base import SourceOptions
from seawall.sources.suricata import SuricataSource
from seawall.sources.zeek import ZeekSource

DATA = Path(__file__).parents[2] / "data"
CONN = (DATA / "zeek" / "ctu-sme-11_conn.log.labeled").read_text(encoding="utf-8").splitlines()
HEADER, BODY = CONN[:8], CONN[8:40]
EVE_LINES = [
    '{"timestamp":"2024-05-01T10:00:00+0000","event_type":"flow","src_ip":"10.0.0.1","src_port":1,'
    '"dest_ip":"10.0.0.2","dest_port":2,"proto":"TCP","flow":{"pkts_toserver":1,"bytes_toserver":60}}',
    '{"timestamp":"2024-05-01T10:00:00+0000","event_type":"alert","src_ip":"10.0.0.1","proto":"UDP",'
    '"alert":{"signature_id":1,"signature":"x","severity":2,"metadata":{"mitre_technique_id":["T1"]}}}',
    '{"timestamp":"2024-05-01T10:00:00+0000","event_type":"dns","flow_id":3,"proto":"UDP",'
    '"dns":{"type":"query","id":1,"rrname":"a"}}',
]
FUZZ = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
text_line = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=120
)


def mutate(line: str, cut: int, insert: str) -> str:
    cut = cut % (len(line) + 1)
    return line[:cut] + insert + line[cut + len(insert) :]


def accounted(result, data_lines: int) -> None:
    rows = sum(t.num_rows for t in result.tables.values())
    parse_issues = sum(1 for i in result.issues if i.kind == "parse")
    assert rows + parse_issues >= data_lines or any("more" in i.reason for i in result.issues)
    for issue in result.issues:
        assert issue.location.file == result.path


@FUZZ
@given(
    st.lists(st.tuples(st.integers(0, 31), st.integers(0, 400), text_line), max_size=8),
    st.booleans(),
)
def test_zeek_tsv_with_mutated_lines(tmp_path, edits, drop_close):
    body = list(BODY)
    for index, cut, insert in edits:
        body[index] = mutate(body[index], cut, insert)
    text = "\n".join(HEADER + body) + ("" if drop_close else "\n#close\t2024")
    path = tmp_path / "conn.log"
    path.write_text(text, encoding="utf-8")
    result = ZeekSource().read(str(path), SourceOptions())
    assert result.table("flow").num_rows <= len(body)
    accounted(result, 0)


@FUZZ
@given(st.lists(st.one_of(text_line, st.sampled_from(BODY)), max_size=20))
def test_zeek_tsv_random_lines_after_a_header(tmp_path, lines):
    path = tmp_path / "conn.log"
    path.write_text("\n".join(HEADER + lines) + "\n", encoding="utf-8")
    result = ZeekSource().read(str(path), SourceOptions())
    data = [line for line in lines if line and not line.startswith("#")]
    assert result.table("flow").num_rows <= len(data)


@FUZZ
@given(
    st.lists(
        st.one_of(
            text_line,
            st.sampled_from(EVE_LINES),
            st.builds(mutate, st.sampled_from(EVE_LINES), st.integers(0, 300), text_line),
        ),
        max_size=20,
    )
)
def test_eve_random_and_mutated_lines(tmp_path, lines):
    path = tmp_path / "eve.json"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = SuricataSource().read(str(path), SourceOptions())
    nonblank = [line for line in lines if line.strip()]
    rows = sum(t.num_rows for t in result.tables.values())
    assert rows <= len(nonblank)
    assert result.units_read == len([line for line in lines if line])
    accounted(result, 0)


@FUZZ
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(
                [
                    "ts",
                    "uid",
                    "id.orig_h",
                    "id.orig_p",
                    "id.resp_h",
                    "proto",
                    "query",
                    "answers",
                    "_path",
                    "rcode_name",
                ]
            ),
            st.one_of(
                st.none(),
                st.integers(-5, 10**20),
                st.floats(allow_nan=True),
                text_line,
                st.lists(text_line, max_size=3),
            ),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_zeek_json_random_records(tmp_path, records):
    lines = [json.dumps({"uid": "C", "id.orig_h": "10.0.0.1", **r}) for r in records]
    path = tmp_path / "dns.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = ZeekSource().read(str(path), SourceOptions())
    rows = sum(t.num_rows for t in result.tables.values())
    assert rows <= len(lines)
