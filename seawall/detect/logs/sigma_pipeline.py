"""The pySigma processing pipeline that maps Sigma rules onto Seawall's ``log`` record.

What it decides, rule by rule, before anything is evaluated:

* Log sources the log record cannot serve make the rule fail with the reason (web server,
  DNS, Zeek, FortiGate, endpoint categories, ...): such rules are listed, never run.
* Cisco AAA rules (``product: cisco, service: aaa``) are keyword lists meant for command
  accounting. They are bound to the command text (``process.command_line``) and get an added
  condition ``event.action: command``; run over whole syslog lines they fire on host names that
  contain ``aaa``, ``username=`` fields and ACL-hit messages that mention ``access-list``.
* Every other keyword rule searches the whole line (``event.original``).
* Field names used by network rules are mapped to the record's columns; a field the record
  does not have makes the rule fail with the field's name.

The keyword field travels in the pipeline state (``keyword_field``), which pySigma resets
for every rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaTransformationError
from sigma.processing.conditions import LogsourceCondition, RuleProcessingCondition
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations import (
    AddConditionTransformation,
    FieldMappingTransformation,
    RuleFailureTransformation,
    SetStateTransformation,
)
from sigma.processing.transformations.base import DetectionItemTransformation
from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaRule

from seawall.records.schemas import LOG

KEYWORD_FIELD_STATE = "keyword_field"
FULL_LINE = "event.original"
COMMAND_TEXT = "process.command_line"
LOG_FIELDS = frozenset(LOG.names)

# Field names seen in Sigma network rules (generic firewall, Zeek, FortiGate, ECS-style and
# Windows-style spellings) -> the log record's column holding the same fact.
FIELD_MAP: dict[str, str] = {
    "src_ip": "source.ip",
    "srcip": "source.ip",
    "SourceIp": "source.ip",
    "SourceAddress": "source.ip",
    "id.orig_h": "source.ip",
    "src_port": "source.port",
    "srcport": "source.port",
    "SourcePort": "source.port",
    "id.orig_p": "source.port",
    "dst_ip": "destination.ip",
    "dstip": "destination.ip",
    "DestinationIp": "destination.ip",
    "DestinationAddress": "destination.ip",
    "id.resp_h": "destination.ip",
    "dst_port": "destination.port",
    "dstport": "destination.port",
    "DestinationPort": "destination.port",
    "id.resp_p": "destination.port",
    "user": "user.name",
    "username": "user.name",
    "User": "user.name",
    "UserName": "user.name",
    "CommandLine": COMMAND_TEXT,
    "command": COMMAND_TEXT,
    "cmd": COMMAND_TEXT,
    "hostname": "host.name",
    "host": "host.name",
    "devname": "host.name",
    "Hostname": "host.name",
    "interface": "interface.name",
    "msg": "message",
    "Message": "message",
}

# Vendors whose device logs Seawall stores (syslog, AAA accounting); their keyword rules search
# the stored lines.
DEVICE_PRODUCTS = (
    "cisco",
    "juniper",
    "huawei",
    "paloalto",
    "arista",
    "nokia",
    "checkpoint",
    "sonicwall",
    "aruba",
    "mikrotik",
    "f5",
)
# Categories a device product may carry and still be a device log.
DEVICE_CATEGORIES = (None, "appliance", "firewall")

# (log source fields, why the log record cannot serve it); checked in order, first hit wins.
# Plain data: pySigma conditions belong to one pipeline, so each build makes its own.
UNSERVED_LOGSOURCES: tuple[tuple[dict[str, str], str], ...] = (
    (
        {"category": "webserver"},
        "logsource category webserver: Seawall stores no web server logs (requests to device "
        "web UIs are seen in traffic records by the mgmt_plane detector)",
    ),
    (
        {"category": "proxy"},
        "logsource category proxy: Seawall stores no proxy logs",
    ),
    (
        {"category": "dns"},
        "logsource category dns: DNS queries live in Seawall's flow and transaction records "
        "(dns.question.name), not in the device log record",
    ),
    (
        {"product": "zeek"},
        "logsource product zeek: Seawall reads Zeek logs into flow and transaction records, "
        "not into the device log record",
    ),
    (
        {"product": "fortigate"},
        "logsource product fortigate: FortiGate event fields (action, cfgpath, ...) are not "
        "normalized into the log record",
    ),
    (
        {"category": "file_event"},
        "logsource category file_event: Seawall stores no file events",
    ),
)

AAA = {"product": "cisco", "service": "aaa"}


@dataclass
class UnknownFieldFailure(DetectionItemTransformation):
    """Fail the rule on the first field (after mapping) that the log record does not have."""

    known: frozenset[str]

    def apply_detection_item(
        self, detection_item: SigmaDetectionItem
    ) -> SigmaDetection | SigmaDetectionItem | None:
        name = detection_item.field
        if name is not None and name not in self.known:
            raise SigmaTransformationError(
                f"field {name!r} has no column in the log record (its columns: see "
                "seawall.records.schemas.LOG; map it in seawall.detect.logs.sigma_pipeline)",
                source=detection_item.source,
            )
        return None


@dataclass
class UnservedLogsourceFailure(RuleFailureTransformation):
    """Fail a rule whose log source is neither a device product nor the firewall category.
    The message names the log source."""

    def apply(self, rule: SigmaRule | SigmaCorrelationRule) -> None:
        ls = getattr(rule, "logsource", None)
        parts = [
            f"{key} {value}"
            for key, value in (
                ("product", getattr(ls, "product", None)),
                ("category", getattr(ls, "category", None)),
                ("service", getattr(ls, "service", None)),
            )
            if value
        ]
        where = ", ".join(parts) or "(empty)"
        raise SigmaTransformationError(f"logsource {where}: {self.message}", source=rule.source)


def _device_logsources() -> list[RuleProcessingCondition]:
    served: list[RuleProcessingCondition] = [
        LogsourceCondition(product=product, category=category)
        for product in DEVICE_PRODUCTS
        for category in DEVICE_CATEGORIES
    ]
    served.append(LogsourceCondition(category="firewall"))
    return served


def _field_map() -> dict[str | None, str | list[str]]:
    return {name: column for name, column in FIELD_MAP.items()}


def log_pipeline() -> ProcessingPipeline:
    """A fresh pipeline (pySigma pipelines keep per-rule state; build one per loader)."""
    items: list[ProcessingItem] = [
        ProcessingItem(
            identifier=f"seawall_unserved_{index}",
            transformation=RuleFailureTransformation(reason),
            rule_conditions=[LogsourceCondition(**condition)],
        )
        for index, (condition, reason) in enumerate(UNSERVED_LOGSOURCES)
    ]
    served = _device_logsources()
    items.append(
        ProcessingItem(
            identifier="seawall_not_device_log",
            transformation=UnservedLogsourceFailure(
                "not a device log Seawall stores (the log record holds network device syslog "
                "and AAA accounting)"
            ),
            rule_conditions=served,
            rule_condition_linking=any,
            rule_condition_negation=True,
        )
    )
    items += [
        ProcessingItem(
            identifier="seawall_aaa_keywords_on_commands",
            transformation=SetStateTransformation(KEYWORD_FIELD_STATE, COMMAND_TEXT),
            rule_conditions=[LogsourceCondition(**AAA)],
        ),
        ProcessingItem(
            identifier="seawall_aaa_command_events_only",
            transformation=AddConditionTransformation(
                {"event.action": "command"}, name="_seawall_command_event"
            ),
            rule_conditions=[LogsourceCondition(**AAA)],
        ),
        ProcessingItem(
            identifier="seawall_field_names",
            transformation=FieldMappingTransformation(_field_map()),
        ),
        ProcessingItem(
            identifier="seawall_known_fields",
            transformation=UnknownFieldFailure(LOG_FIELDS),
        ),
    ]
    return ProcessingPipeline(name="Seawall log record", priority=20, items=items)
