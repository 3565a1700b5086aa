from pathlib import Path

from seawall.detect.catalog import render_markdown

DOCS = Path(__file__).resolve().parents[1] / "docs" / "detectors.md"


def test_detector_catalogue_is_current():
    assert DOCS.read_text() == render_markdown(), (
        "docs/detectors.md is stale: run `seawall detectors --markdown > docs/detectors.md`"
    )


def test_audit_check_catalogue_is_current():
    from seawall.detect.audit.catalog import render_markdown as render_checks

    path = DOCS.parent / "audit-checks.md"
    assert path.read_text() == render_checks(), (
        "docs/audit-checks.md is stale: run `seawall checks --markdown > docs/audit-checks.md`"
    )


def test_rules_lint_cli(tmp_path):
    from click.testing import CliRunner

    from seawall.cli.main import cli

    result = CliRunner().invoke(cli, ["rules", "lint"])
    assert result.exit_code == 0 and "0 finding(s)" in result.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("checks:\n  - id: XX-1\n    title: t\n    severity: severe\n    attack: [T99]\n")
    result = CliRunner().invoke(cli, ["rules", "lint", str(bad)])
    assert result.exit_code == 1
    assert "bad.yaml" in result.stdout and "severe" in result.stdout


def test_rules_list_cli_says_why_rules_cannot_run():
    from click.testing import CliRunner

    from seawall.cli.main import cli

    result = CliRunner().invoke(cli, ["rules", "list"])
    assert result.exit_code == 0
    assert result.stdout.startswith("Sigma rules: 19 runnable, 42 not runnable")
    assert "ceb407f6-8277-439b-951f-e4210e3ed956" in result.stdout  # Cisco Clear Logs
    assert result.stdout.count("why: ") == 42
