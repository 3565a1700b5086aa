"""Rule tooling: the log rule linter (findings with location and recommendation), each rule's
own tests, and `seawall rules lint` / `seawall rules test` as CI runs them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from seawall.cli.main import cli
from seawall.detect.logs.rules_tooling import lint_log_rules, lint_rule_paths, run_rule_tests

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "seawall" / "rules" / "logs"

GOOD = {
    "id": "TS-01",
    "title": "Guest Shell enabled",
    "severity": "high",
    "attack": ["T1610"],
    "source": ["CISA AA25-239A [AA]"],
    "rationale": "Guest Shell runs a Linux container beside the router OS; the intruders used it.",
    "version": 1,
    "kind": "pattern",
    "match": {"event.action": "command", "process.command_line": {"startswith": "guestshell"}},
    "tests": [
        {
            "name": "enable",
            "events": [
                {
                    "host.name": "pe1",
                    "event.action": "command",
                    "process.command_line": "guestshell enable",
                }
            ],
            "expect": [{"lines": [1], "entities": {"device": "pe1"}}],
        },
        {
            "name": "show",
            "events": [{"event.action": "command", "process.command_line": "show guestshell"}],
            "expect": [],
        },
    ],
}


def write(tmp_path: Path, rules: list[dict], name: str = "r.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"log_rules": rules}, sort_keys=False))
    return path


def findings_for(tmp_path: Path, **over) -> list:
    path = write(tmp_path, [{**GOOD, **over}])
    return lint_log_rules([path])


# ---- the shipped rules ----------------------------------------------------------------------


def test_shipped_rules_lint_clean_and_pass_their_tests():
    assert lint_log_rules() == []
    results = run_rule_tests()
    assert results and all(r.passed for r in results), [str(r) for r in results if not r.passed]
    by_rule: dict[str, list] = {}
    for r in results:
        by_rule.setdefault(r.rule_id, []).append(r)
    # every rule has a case that alerts and one that stays quiet
    for rule_id, cases in by_rule.items():
        assert any(c.alerts for c in cases) and any(not c.alerts for c in cases), rule_id
    ids = set(by_rule)
    for row in (
        "LG-01a",
        "LG-01b",
        "LG-02",
        "LG-03",
        "LG-04",
        "LG-05a",
        "LG-06a",
        "LG-07",
        "LG-08a",
        "LG-09a",
        "LG-10a",
        "LG-10b",
        "LG-11a",
        "LG-12a",
        "LG-12b",
        "LG-14",
    ):
        assert row in ids


def test_repository_rules_logs_links_to_the_package_folder():
    link = ROOT / "rules" / "logs"
    assert link.is_symlink() and link.resolve() == SHIPPED.resolve()


def test_cli_lint_and_test_over_shipped_rules_as_ci_runs_them():
    runner = CliRunner()
    for args in (
        ["rules", "lint"],
        ["rules", "lint", str(ROOT / "rules")],
        ["rules", "lint", str(ROOT / "rules" / "logs")],
    ):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.stdout
        assert "0 finding(s), 0 error(s)" in result.stdout
    for args in (["rules", "test"], ["rules", "test", str(ROOT / "rules")]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.stdout
        assert " 0 failed" in result.stdout and "case(s) of" in result.stdout
    verbose = runner.invoke(cli, ["rules", "test", "-v", str(SHIPPED / "logins.yaml")])
    assert "ok   LC-01 localport 22022 and 57722" in verbose.stdout


def test_cli_test_fails_on_a_failing_case(tmp_path):
    case = {**GOOD["tests"][0], "expect": [{"lines": [2]}]}
    path = write(tmp_path, [{**GOOD, "tests": [case, GOOD["tests"][1]]}])
    result = CliRunner().invoke(cli, ["rules", "test", str(path)])
    assert result.exit_code == 1
    assert "FAIL TS-01 enable" in result.stdout and "lines [1], expected [2]" in result.stdout
    assert "2 case(s) of 1 rule(s), 1 failed" in result.stdout
    empty = tmp_path / "empty"
    empty.mkdir()
    assert CliRunner().invoke(cli, ["rules", "test", str(empty)]).exit_code == 1


# ---- lint findings --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("over", "rule", "where", "text"),
    [
        (
            {"match": {"event.actions": "command"}},
            "condition",
            "match.event.actions",
            "not a LOG field",
        ),
        (
            {"match": {"process.command_line": {"regex": "(?=x)"}}},
            "condition",
            "match.process.command_line.regex",
            "bad regex",
        ),
        ({"kind": "grep"}, "kind", "kind", "unknown kind"),
        ({"severity": "severe"}, "severity", "severity", "not one of"),
        ({"attack": ["attack.t1059"]}, "attack-format", "attack", "not an ATT&CK technique id"),
        ({"attack": "T1059"}, "attack-format", "attack", "must be a list"),
        ({"id": "ts_1"}, "id-format", "id", "PREFIX-NN"),
        ({"version": 0}, "version", "version", "whole number"),
        ({"title": "two\nlines"}, "title", "title", "one line"),
        ({"confidence": 2}, "confidence", "confidence", "(0, 1]"),
        ({"explain": "{user} on {device}"}, "explain", "explain", "unknown placeholder {user}"),
        ({"window": "5 minutes"}, "window", "window", "not a duration"),
        ({"group_by": ["message"]}, "field", "group_by[0]", "cannot be grouped"),
        ({"threshold": 5}, "unknown-field", "threshold", "unknown or misplaced"),
        ({"color": "red"}, "unknown-field", "color", "unknown or misplaced key"),
    ],
)
def test_lint_findings_name_place_and_fix(tmp_path, over, rule, where, text):
    found = findings_for(tmp_path, **over)
    hits = [f for f in found if f.rule == rule]
    assert hits, [str(f) for f in found]
    finding = hits[0]
    assert finding.location.startswith(f"{tmp_path / 'r.yaml'}:")
    assert "[" in finding.location and finding.location.endswith(where)
    assert text in finding.message and finding.recommendation


def test_lint_missing_fields_and_tests(tmp_path):
    raw = {k: v for k, v in GOOD.items() if k not in ("tests", "source")}
    found = lint_log_rules([write(tmp_path, [raw])])
    assert {f.rule for f in found} == {"missing-tests", "missing-field"}
    assert any("`source` is missing" in f.message for f in found)
    missing_tests = next(f for f in found if f.rule == "missing-tests")
    assert "must alert" in missing_tests.recommendation


def test_lint_unknown_attack_id_is_a_warning(tmp_path):
    (finding,) = findings_for(tmp_path, attack=["T9999"])
    assert finding.rule == "attack-unknown" and finding.level == "warning"
    assert "attack.mitre.org" in finding.recommendation


def test_lint_duplicate_ids_across_files(tmp_path):
    a = write(tmp_path, [GOOD], "a.yaml")
    write(tmp_path, [GOOD], "b.yaml")
    found = lint_log_rules([tmp_path])
    (dup,) = [f for f in found if f.rule == "duplicate-id"]
    assert "b.yaml" in dup.location and f"{a}:2" in dup.message


def test_lint_kind_specific_problems(tmp_path):
    seq = {
        **GOOD,
        "kind": "sequence",
        "group_by": ["device"],
        "window": "0s",
        "steps": [
            {"name": "a", "match": {"event.action": "command"}},
            {"name": "a", "match": {"event.action": "logout"}, "optional": True},
        ],
    }
    del seq["match"]
    found = lint_log_rules([write(tmp_path, [seq])])
    messages = {(f.rule, f.message) for f in found}
    assert ("window", "the window must be above 0 and at most 31 days") in messages
    assert ("steps", "step name 'a' repeats") in messages
    assert any("optional steps after the last required step" in m for _, m in messages)
    thr = {**GOOD, "kind": "threshold", "group_by": ["device"], "window": "5m", "threshold": 1}
    found = lint_log_rules([write(tmp_path, [thr], "t.yaml")])
    assert [f.rule for f in found if f.level == "error"] == ["threshold"]
    fs = {**GOOD, "kind": "first_seen", "group_by": ["user.name"], "field": "user.name"}
    found = lint_log_rules([write(tmp_path, [fs], "f.yaml")])
    assert any("also a group_by field" in f.message for f in found)


def test_lint_test_cases(tmp_path):
    cases = [
        {
            "name": "bad",
            "events": [{"event.actions": "command", "destination.port": "ssh"}],
            "expect": [{"lines": "1", "severity": "high"}],
        },
        {"name": "time", "events": [{"event.start": "yesterday"}], "expect": []},
        {"events": [], "expect": "none"},
    ]
    found = findings_for(tmp_path, tests=cases)
    text = "\n".join(str(f) for f in found)
    assert "tests[0].events[0].event.actions" in text and "not a LOG field" in text
    assert "tests[0].expect[0].severity" in text and "tests[0].expect[0].lines" in text
    assert "tests[1].events[0].event.start" in text and "'yesterday' is not a time" in text
    assert "tests[2].name" in text and "tests[2].events" in text and "tests[2].expect" in text
    ports = findings_for(
        tmp_path,
        tests=[
            {"name": "p", "events": [{"destination.port": "ssh"}], "expect": [{"lines": [1]}]},
            GOOD["tests"][1],
        ],
    )
    assert [f.rule for f in ports] == ["test-event"] and "destination.port" in ports[0].message


def test_lint_quiet_case_missing_is_a_warning(tmp_path):
    (finding,) = findings_for(tmp_path, tests=[GOOD["tests"][0]])
    assert (finding.rule, finding.level) == ("no-negative-test", "warning")


def test_lint_yaml_and_file_shape(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("log_rules:\n  - id: TS-01\n    title: {oops\n")
    (finding,) = lint_log_rules([broken])
    assert finding.rule == "yaml" and finding.location == f"{broken}:4"
    shape = tmp_path / "shape.yaml"
    shape.write_text("log_rules: {id: TS-01}\nextra: 1\n")
    (finding,) = lint_log_rules([shape])
    assert finding.rule == "file-shape" and "`log_rules:` list" in finding.message


def test_run_rule_tests_reports_lint_errors_instead_of_running(tmp_path):
    path = write(tmp_path, [{**GOOD, "severity": "severe"}])
    (result,) = run_rule_tests([path])
    assert not result.passed and result.case == "lint" and "severe" in result.problems[0]


def test_lint_rule_paths_dispatches_by_content(tmp_path):
    folder = tmp_path / "rules"
    (folder / "audit").mkdir(parents=True)
    (folder / "logs").mkdir()
    (folder / "sigma").mkdir()
    shutil.copy(ROOT / "seawall" / "rules" / "audit" / "hardening.yaml", folder / "audit")
    write(folder / "logs", [{**GOOD, "severity": "severe"}])
    (folder / "sigma" / "x.yml").write_text("title: a sigma rule\nlogsource: {}\n")
    (folder / "audit" / "bad.yaml").write_text("checks:\n  - id: XX-1\n    severity: severe\n")
    found = lint_rule_paths([folder])
    files = {f.location.split(":")[0].split(" ")[0] for f in found}
    assert files == {str(folder / "logs" / "r.yaml"), str(folder / "audit" / "bad.yaml")}
    other = tmp_path / "other.yaml"
    other.write_text("foo: 1\n")
    (finding,) = lint_rule_paths([other])
    assert finding.rule == "file-shape" and "neither" in finding.message
    result = CliRunner().invoke(cli, ["rules", "lint", str(folder)])
    assert result.exit_code == 1 and "severe" in result.stdout
