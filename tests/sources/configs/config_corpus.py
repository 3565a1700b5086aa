"""What the parser tests of every dialect share: where the corpus is, one corpus file read with
the checks every file must pass, the table of expected results that must name every file of a
folder, and crafted text read with its unknown lines checked."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from seawall.records.config import DeviceConfig
from seawall.sources.configs import parse_config_file, parse_config_text

DATA = Path(__file__).parents[2] / "data"
CONFIGS = DATA / "configs"
CRAFTED_CONFIGS = DATA / "configs_crafted"


def folder_files(folder: Path) -> set[str]:
    """Names of the configurations in one corpus folder (notes in Markdown left out)."""
    return {p.name for p in folder.iterdir() if p.suffix != ".md"}


def assert_table_covers(
    folder: Path, table: Collection[str], *, besides: Collection[str] = ()
) -> None:
    """A table of expected results names every file of ``folder`` (but ``besides``), no more."""
    assert folder_files(folder) - set(besides) == set(table)


def parse_file(path: Path, dialect: str, *, detect: bool = False) -> DeviceConfig:
    """A configuration file read as ``dialect``; with ``detect``, read in the dialect detected
    from its content, which must be ``dialect``. The parser must not fail on it."""
    result = parse_config_file(str(path), None if detect else dialect)
    assert result.model is not None, result.issues
    assert not [i for i in result.issues if i.kind == "parse"], result.issues
    assert result.model.dialect == dialect
    return result.model


def assert_unknown_lines(model: DeviceConfig, expected: int) -> None:
    """Exactly ``expected`` lines not understood; a failure shows their text."""
    assert len(model.unknown_lines) == expected, [model.text[n] for n in model.unknown_lines]


def parse_text(text: str, dialect: str | None, name: str = "crafted") -> DeviceConfig:
    """Text read as ``dialect`` (detected when None); the parser must not fail on it."""
    result = parse_config_text(text, name, dialect)
    assert result.model is not None, result.issues
    assert not [i for i in result.issues if i.kind == "parse"], result.issues
    return result.model


def parse_crafted(text: str, dialect: str, unknown: list[int] | None = None) -> DeviceConfig:
    """A crafted configuration whose only lines not understood are ``unknown`` (none unless
    given)."""
    model = parse_text(text, dialect)
    assert model.unknown_lines == (unknown or [])
    return model
