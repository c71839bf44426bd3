"""Docstrings and comments point at documents and README sections that exist."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES = [*(REPO / "src").rglob("*.py"), *(REPO / "tests").rglob("*.py")]
HEADINGS = {
    line.lstrip("#").strip().strip("`")
    for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    if line.startswith("#")
}


def _mentions(pattern: str) -> list[tuple[Path, str]]:
    found = []
    for path in SOURCES:
        for match in re.finditer(pattern, path.read_text(encoding="utf-8")):
            found.append((path.relative_to(REPO), match.group(1)))
    return found


def test_every_markdown_file_named_in_the_code_exists():
    named = _mentions(r"\b([A-Z][A-Z_]+\.md)\b")
    missing = [(str(p), name) for p, name in named if not (REPO / name).is_file()]
    assert not missing, f"point these at README sections instead: {missing}"


def test_every_readme_section_named_in_the_code_exists():
    named = _mentions(r'README(?:\'s)?:?\s+"([^"\n]+)"')
    assert named, 'the pattern finds the references (e.g. README: "A run on disk")'
    missing = [(str(p), name) for p, name in named if name not in HEADINGS]
    assert not missing, f"no such README section: {missing}"
