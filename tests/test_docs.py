from pathlib import Path

from seawall.detect.catalog import render_markdown

DOCS = Path(__file__).resolve().parents[1] / "docs" / "detectors.md"


def test_detector_catalogue_is_current():
    assert DOCS.read_text() == render_markdown(), (
        "docs/detectors.md is stale: run `seawall detectors --markdown > docs/detectors.md`"
    )
