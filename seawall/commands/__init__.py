"""The command layer. CLI, API and dashboard call these functions; they hold no UI logic."""

from seawall.commands.audit import AuditReport, audit, inventory, rule_help, update_kev
from seawall.commands.collect import collect
from seawall.commands.hunt import FileSummary, HuntReport, Progress, hunt

__all__ = [
    "AuditReport",
    "FileSummary",
    "HuntReport",
    "Progress",
    "audit",
    "collect",
    "hunt",
    "inventory",
    "rule_help",
    "update_kev",
]
