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


def find_tool(name: str, *, env: str | None = None) -> str | None:
    """The program ``name``: the path in environment variable ``env`` when that is set (it
    must be an executable file), else the first ``name`` on ``PATH``; ``None`` if missing."""
    chosen = os.environ.get(env, "").strip() if env else ""
    if chosen:
        return chosen if os.path.isfile(chosen) and os.access(chosen, os.X_OK) else None
    return shutil.which(name)


def require_tool(name: str, *, install: str, env: str | None = None) -> str:
    """The path of program ``name`` (see :func:`find_tool`); when it is missing, the test
    fails in CI and is skipped elsewhere, with a one-line reason."""
    path = find_tool(name, env=env)
    if path is not None:
        return path
    where = f" at ${env}={os.environ[env]!r}" if env and os.environ.get(env, "").strip() else ""
    reason = f"{name} is not installed{where} ({install})"
    if in_ci():
        pytest.fail(f"{reason}: required in CI, where .ci/run installs it", pytrace=False)
    pytest.skip(reason)
