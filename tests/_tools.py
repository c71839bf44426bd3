"""External programs the browser and PDF tests need: required in CI, skipped elsewhere.

``.ci/run`` installs Debian's chromium and poppler-utils, so in CI (``CI`` set) a missing tool
is a failure, never a skip. On a developer's machine with only Python and make, the tests that
need it skip with a one-line reason, so that ``make test`` still passes.
"""

from __future__ import annotations

import os
import shutil

import pytest


def in_ci() -> bool:
    """True when the ``CI`` environment variable is set to anything but empty/0/false."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_tool(name: str, *, install: str) -> str:
    """The path of program ``name``; fail in CI, skip elsewhere, when it is not installed."""
    path = shutil.which(name)
    if path is not None:
        return path
    reason = f"{name} is not installed ({install})"
    if in_ci():
        pytest.fail(f"{reason}: required in CI, where .ci/run installs it", pytrace=False)
    pytest.skip(reason)
