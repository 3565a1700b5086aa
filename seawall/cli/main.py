"""The ``seawall`` command line. Thin: parsing and rendering only; work is in commands.py."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from importlib import resources
from typing import NoReturn

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from seawall import __version__, commands
from seawall.errors import SeawallError

FORMATS = ("table", "json", "html")


# Shared by every command that reads or writes the embedded store.
store_option = click.option(
    "--store",
    "store_dir",
    default=".seawall",
    show_default=True,
    type=click.Path(file_okay=False),
    help="embedded store directory",
)


@click.group()
@click.version_option(__version__, prog_name="seawall")
def cli() -> None:
    """Seawall: hunt state-sponsored intruders in carrier networks."""


def _hunt_options(fn: Callable[..., None]) -> Callable[..., None]:
    fn = click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="table for people, json (one alert per line) "
        "for pipelines, html for a self-contained report",
    )(fn)
    fn = click.option(
        "--out",
        type=click.Path(dir_okay=False),
        default=None,
        help="write the output here instead of standard output",
    )(fn)
    fn = click.option(
        "--profile",
        type=click.Choice(["default", "lab"]),
        default="default",
        show_default=True,
        help="threshold profile; lab suits short captures",
    )(fn)
    return fn


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@_hunt_options
@store_option
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="YAML: network map, threshold overrides, intel files",
)
@click.option(
    "--intel",
    "intel_paths",
    multiple=True,
    type=click.Path(exists=True),
    help="indicator file (CSV or text) to match; repeatable",
)
@click.option(
    "--detector",
    "detectors",
    multiple=True,
    help="run only this detector; repeatable (default: all)",
)
@click.option(
    "--meter",
    type=click.Choice(["fast", "nfstream"]),
    default="fast",
    show_default=True,
    help="flow meter for captures (nfstream adds nDPI labels)",
)
def hunt(
    paths: tuple[str, ...],
    fmt: str,
    out: str | None,
    profile: str,
    store_dir: str,
    config_path: str | None,
    intel_paths: tuple[str, ...],
    detectors: tuple[str, ...],
    meter: str,
) -> None:
    """Hunt captures, flow exports and sensor logs under PATHS for intrusions."""
    from seawall.sources.base import SourceOptions

    _run_hunt(
        list(paths),
        fmt=fmt,
        out=out,
        profile=profile,
        store_dir=store_dir,
        config_path=config_path,
        intel_paths=list(intel_paths),
        detectors=list(detectors) or None,
        options=SourceOptions(meter=meter),
    )


@cli.command()
@_hunt_options
def demo(fmt: str, out: str | None, profile: str) -> None:
    """Hunt the bundled sample captures (real, redistributable third-party traffic)."""
    samples = resources.files("seawall.data") / "samples"
    with tempfile.TemporaryDirectory(prefix="seawall-demo-") as store_dir:
        _run_hunt(
            [str(samples)],
            fmt=fmt,
            out=out,
            profile="lab" if profile == "default" else profile,
            store_dir=store_dir,
            config_path=None,
            intel_paths=[str(resources.files("seawall.data") / "demo-indicators.txt")],
            detectors=None,
            options=None,
        )


@cli.command("detectors")
@click.option("--profile", type=click.Choice(["default", "lab"]), default="default")
@click.option("--markdown", is_flag=True, help="print the full catalogue as Markdown")
def list_detectors(profile: str, markdown: bool) -> None:
    """List the detectors, their ATT&CK techniques and thresholds."""
    from seawall.detect import load_all
    from seawall.detect.base import REGISTRY, load_thresholds

    if markdown:
        from seawall.detect.catalog import render_markdown

        sys.stdout.write(render_markdown())
        return
    load_all()
    console = Console()
    for name in sorted(REGISTRY):
        spec = REGISTRY[name]
        console.print(f"[bold]{name}[/] ({', '.join(spec.attack)}): {spec.description}")
        for key, value in load_thresholds(name, profile).items():
            console.print(f"    {key} = {value}")


def _run_hunt(
    paths: list[str],
    *,
    fmt: str,
    out: str | None,
    profile: str,
    store_dir: str,
    config_path: str | None,
    intel_paths: list[str],
    detectors: list[str] | None,
    options: object,
) -> None:
    err = Console(stderr=True)
    progress_ui = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    task: TaskID | None = None

    def progress(stage: str, path: str, done: int, total: int) -> None:
        nonlocal task
        if task is None:
            task = progress_ui.add_task("ingest", total=total)
        progress_ui.update(task, completed=done, description=f"{stage} {path[-50:]}")

    try:
        with progress_ui:
            report = commands.hunt(
                paths,
                profile=profile,
                store_dir=store_dir,
                config_path=config_path,
                intel_paths=intel_paths,
                detectors=detectors,
                options=options,  # type: ignore[arg-type]
                progress=progress,
            )
    except SeawallError as exc:
        _error(err, exc)
    _emit(report, fmt, out, err)


def _emit(report: commands.HuntReport, fmt: str, out: str | None, err: Console) -> None:
    from seawall.respond.render import print_summary, print_table, write_json_lines

    if fmt == "html":
        from seawall.respond.html import render_html

        text = render_html(report)
        if out:
            with open(out, "w", encoding="utf-8") as handle:
                handle.write(text)
            print_summary(report, err)
            err.print(f"report written to {out}")
        else:
            sys.stdout.write(text)
        return
    if fmt == "json":
        if out:
            with open(out, "w", encoding="utf-8") as handle:
                write_json_lines(report.alerts, handle)
        else:
            write_json_lines(report.alerts, sys.stdout)
        print_summary(report, err, max_issues=len(report.issues))  # every skipped record
        return
    if out:
        with open(out, "w", encoding="utf-8") as handle:
            print_table(report, Console(file=handle, width=200))
    else:
        print_table(report, Console())


AUDIT_FORMATS = ("table", "json", "sarif", "html")


@cli.command("audit")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--baseline",
    type=click.Path(exists=True),
    default=None,
    help="approved configs (a file or a directory, matched by hostname): report drift",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(AUDIT_FORMATS),
    default="table",
    show_default=True,
    help="table for people, json (one alert per line), sarif (SARIF 2.1.0), html",
)
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="write output here")
@store_option
@click.option(
    "--checks",
    "check_paths",
    multiple=True,
    type=click.Path(exists=True),
    help="check file or directory to use instead of the built-in rules/audit; repeatable",
)
@click.option("--no-kev", is_flag=True, help="skip matching versions to known-exploited CVEs")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="YAML network map: internal space, approved tunnel peers and AAA servers",
)
def audit_cmd(
    paths: tuple[str, ...],
    baseline: str | None,
    fmt: str,
    out: str | None,
    store_dir: str,
    check_paths: tuple[str, ...],
    no_kev: bool,
    config_path: str | None,
) -> None:
    """Audit device configurations under PATHS: findings per device, worst first."""
    err = Console(stderr=True)
    try:
        report = commands.audit(
            list(paths),
            baseline=baseline,
            store_dir=store_dir,
            check_paths=list(check_paths),
            use_kev=not no_kev,
            config_path=config_path,
        )
    except SeawallError as exc:
        _error(err, exc)
    if fmt == "sarif":
        import json

        from seawall.respond.render import print_summary
        from seawall.respond.sarif import to_sarif

        text = json.dumps(to_sarif(report.alerts, commands.rule_help(check_paths)), indent=1)
        if out:
            with open(out, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
            err.print(f"SARIF written to {out}")
        else:
            sys.stdout.write(text + "\n")
        print_summary(report, err)
        return
    _emit(report, fmt, out, err)


@cli.command("inventory")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def inventory_cmd(paths: tuple[str, ...], fmt: str) -> None:
    """Devices, versions, management addresses, AAA servers and tunnel peers."""
    import json

    from rich.table import Table

    err = Console(stderr=True)
    try:
        devices, files = commands.inventory(list(paths))
    except SeawallError as exc:
        _error(err, exc)
    if fmt == "json":
        for device in devices:
            sys.stdout.write(json.dumps(device.to_dict()) + "\n")
    else:
        table = Table(title=f"Seawall inventory: {len(devices)} devices", show_lines=True)
        for column in ("device", "platform", "management", "AAA servers", "tunnel peers"):
            table.add_column(column, overflow="fold")
        for d in devices:
            table.add_row(
                f"{d.hostname}\n[dim]{d.path}[/]",
                " ".join(x for x in (d.vendor, d.os, d.version or "") if x),
                ", ".join(d.management_addresses),
                ", ".join(d.aaa_servers),
                ", ".join(d.tunnel_peers),
            )
        Console().print(table)
    for summary in files:
        for issue in summary.issues:
            err.print(f"  [yellow]skipped[/] {issue}", highlight=False, soft_wrap=True)


@cli.command("checks")
@click.option("--markdown", is_flag=True, help="print the full catalogue as Markdown")
def list_checks(markdown: bool) -> None:
    """List the configuration audit checks (rules/audit)."""
    from seawall.detect.audit.catalog import render_markdown
    from seawall.detect.audit.checks import load_checks

    if markdown:
        sys.stdout.write(render_markdown())
        return
    console = Console()
    for check in load_checks():
        console.print(
            f"[bold]{check.id}[/] {check.severity:8} {escape(check.title)} "
            f"[dim]({', '.join(check.attack) or '-'})[/]",
            highlight=False,
        )


@cli.group("rules")
def rules_group() -> None:
    """Detection content: lint rule files and run their tests."""


@rules_group.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
def rules_lint(paths: tuple[str, ...]) -> None:
    """Lint audit checks and log rules (files or folders, told apart by content; default:
    the built-in rules/audit and rules/logs). Exit status 1 on findings."""
    from seawall.detect.logs.rules_tooling import lint_rule_paths

    findings = lint_rule_paths(list(paths) or None)
    console = Console()
    for finding in findings:
        console.print(escape(str(finding)), highlight=False, soft_wrap=True)
    errors = sum(1 for f in findings if f.level == "error")
    console.print(f"{len(findings)} finding(s), {errors} error(s)")
    sys.exit(1 if findings else 0)


@rules_group.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--verbose", "-v", is_flag=True, help="list passing cases too")
def rules_test(paths: tuple[str, ...], verbose: bool) -> None:
    """Run the log rules' own test cases (default: the built-in rules/logs). Exit status 1
    when a case fails."""
    from seawall.detect.logs.rules_tooling import run_rule_tests

    results = run_rule_tests(list(paths) or None)
    console = Console()
    for result in results:
        if verbose or not result.passed:
            console.print(escape(str(result)), highlight=False, soft_wrap=True)
    failed = sum(1 for r in results if not r.passed)
    rules = len({(r.rule_id, r.location) for r in results})
    console.print(f"{len(results)} case(s) of {rules} rule(s), {failed} failed")
    sys.exit(1 if failed or not results else 0)


@rules_group.command("list")
@click.option(
    "--sigma-dir",
    "sigma_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="extra Sigma rule folder; repeatable",
)
def rules_list(sigma_dirs: tuple[str, ...]) -> None:
    """List the Sigma rules and whether each can run on device logs (and why not)."""
    from seawall.detect.logs.sigma_rules import format_status, sigma_status

    sys.stdout.write(format_status(sigma_status(list(sigma_dirs))) + "\n")


@cli.group("intel")
def intel_group() -> None:
    """Threat intelligence: known-exploited vulnerabilities catalog."""


@intel_group.command("update-kev")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@store_option
def update_kev_cmd(path: str, store_dir: str) -> None:
    """Install a newer CISA KEV catalog (JSON) for version-to-CVE matching."""
    err = Console(stderr=True)
    try:
        summary = commands.update_kev(path, store_dir=store_dir)
    except SeawallError as exc:
        _error(err, exc)
    Console().print(summary)


@cli.command("collect")
@click.option(
    "--syslog",
    "listeners",
    multiple=True,
    required=True,
    help="listen for syslog: udp://HOST:PORT or tcp://HOST:PORT (RFC 6587 framing); repeatable",
)
@store_option
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="YAML: network map and threshold overrides",
)
@click.option(
    "--batch-seconds",
    type=click.FloatRange(min=0.01),
    default=1.0,
    show_default=True,
    help="store and evaluate received messages at least this often",
)
@click.option(
    "--queue",
    "queue_size",
    type=click.IntRange(min=1),
    default=200_000,
    show_default=True,
    help="messages waiting for the batcher; beyond it they are dropped and counted",
)
@click.option(
    "--window-seconds",
    type=click.FloatRange(min=1),
    default=600.0,
    show_default=True,
    help="how far back the rules look (sequences and thresholds span batches)",
)
@click.option(
    "--max-message",
    type=click.IntRange(min=64),
    default=65536,
    show_default=True,
    help="longest message in bytes; longer ones are counted as oversize and skipped",
)
@click.option(
    "--stats-seconds",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    help="print a stats line on standard error this often (0: never)",
)
@click.option(
    "--detector",
    "detectors",
    multiple=True,
    help="run only this detector on the window; repeatable (default: the log detectors)",
)
@click.option(
    "--profile",
    type=click.Choice(["default", "lab"]),
    default="default",
    show_default=True,
    help="threshold profile",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table: one line per alert; json: one alert object per line",
)
def collect_cmd(
    listeners: tuple[str, ...],
    store_dir: str,
    config_path: str | None,
    batch_seconds: float,
    queue_size: int,
    window_seconds: float,
    max_message: int,
    stats_seconds: float,
    detectors: tuple[str, ...],
    profile: str,
    fmt: str,
) -> None:
    """Collect syslog live: store it, run the log rules, print alerts as they arrive.

    Stops on Ctrl-C or SIGTERM after storing and evaluating everything received."""
    import json
    import signal
    import threading

    from seawall.collect import CollectOptions, ListenerSpec
    from seawall.collect.render import alert_row, stats_line, summary_lines
    from seawall.records.alerts import Alert

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())

    def on_alert(alert: Alert) -> None:
        text = json.dumps(alert.to_dict()) if fmt == "json" else alert_row(alert)
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    def on_ready(bound: list[ListenerSpec], running: list[str]) -> None:
        err.print(f"collect: listening on {', '.join(map(str, bound))}; store {store_dir}")
        err.print(f"collect: detectors {', '.join(running) or 'none registered for logs'}")

    options = CollectOptions(
        batch_seconds=batch_seconds,
        queue_size=queue_size,
        window_seconds=window_seconds,
        max_message=max_message,
        stats_seconds=stats_seconds,
    )
    try:
        summary = commands.collect(
            list(listeners),
            stop=stop,
            store_dir=store_dir,
            config_path=config_path,
            profile=profile,
            options=options,
            detectors=list(detectors) or None,
            on_ready=on_ready,
            on_alert=on_alert,
            on_stats=lambda stats: err.print(escape(stats_line(stats))),
            on_error=lambda text: err.print(f"[red]error:[/] {escape(text)}"),
        )
    except SeawallError as exc:
        _error(err, exc)
    if fmt == "json":
        sys.stderr.write(json.dumps({"summary": summary}) + "\n")
    else:
        for text in summary_lines(summary):
            err.print(escape(text))


def _error(err: Console, exc: Exception) -> NoReturn:
    """One unwrapped line (file names stay greppable), then exit status 2."""
    err.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True, highlight=False)
    sys.exit(2)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
