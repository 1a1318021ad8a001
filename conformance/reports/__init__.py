"""Report writers, all fed by one SuiteResult: console, JSON, JUnit XML and one HTML page."""

from __future__ import annotations

from pathlib import Path

from conformance.reports.html_report import write_html
from conformance.reports.json_report import suite_to_json, write_json
from conformance.reports.junit import write_junit
from conformance.runner import SuiteResult

__all__ = ["suite_to_json", "write_all", "write_html", "write_json", "write_junit"]


def write_all(suite: SuiteResult, directory: str | Path) -> list[Path]:
    """conformance.json, conformance.xml and conformance.html in `directory`."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "conformance.json", folder / "conformance.xml", folder / "conformance.html"]
    write_json(suite, paths[0])
    write_junit(suite, paths[1])
    write_html(suite, paths[2])
    return paths
