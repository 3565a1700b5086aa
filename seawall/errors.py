"""Error tree. Every parse problem carries a Location so a user can find the bytes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Location:
    """Where in an input something happened: a file plus frame, line or byte offset."""

    file: str
    frame: int | None = None
    line: int | None = None
    offset: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.frame is not None:
            parts.append(f"frame {self.frame}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.offset is not None:
            parts.append(f"byte {self.offset}")
        return ":".join(parts)


class SeawallError(Exception):
    """Base of every error Seawall raises on purpose."""


class ConfigError(SeawallError):
    """A configuration file or option is wrong; the message says which key and why."""


class InputError(SeawallError):
    """An input cannot be read at all (missing, unreadable, unknown type)."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        self.location = location
        super().__init__(f"{location}: {message}" if location else message)


class ParseError(SeawallError):
    """One record of an input could not be decoded; the rest of the input is still processed."""

    def __init__(self, message: str, location: Location) -> None:
        self.location = location
        self.reason = message
        super().__init__(f"{location}: {message}")


@dataclass(frozen=True, slots=True)
class ParseIssue:
    """A counted, located problem collected during a run instead of being raised."""

    location: Location
    reason: str
    kind: str = "parse"  # parse | truncated | unsupported | missing-template

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"
