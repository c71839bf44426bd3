"""The README is the reference: every command, option and YAML key must be documented there."""

from __future__ import annotations

import re

import pytest

from conftest import REPO
from personas.cli import main
from personas.instrument._personas import PERSONA_KEYS
from personas.instrument._questions import QUESTION_KEYS, SCALE_KEYS, TENSION_KEYS
from personas.instrument._rules import CLEANING_KEYS, DATA_KEYS
from personas.instrument.load import TOP_KEYS

README = (REPO / "README.md").read_text(encoding="utf-8")


def _section(command: str) -> str:
    match = re.search(
        rf"^### `personas {command}`\n(.*?)(?=^## |^### |\Z)", README, re.MULTILINE | re.DOTALL
    )
    assert match, f"README has no section '### `personas {command}`'"
    return match.group(1)


def test_readme_opens_with_the_two_commands():
    first_block = re.search(r"```sh\n(.*?)```", README, re.DOTALL).group(1)
    assert first_block.split() == ["make", "demo", "make", "test"]
    assert README.index("make demo") < README.index("## ")


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_and_option_is_documented(name):
    section = _section(name)
    for param in main.commands[name].params:
        for opt in param.opts + param.secondary_opts:
            if opt.startswith("--"):
                assert f"`{opt}" in section or f"{opt}" in section, (
                    f"README: option {opt} of `personas {name}` is not documented"
                )


def test_global_options_are_documented():
    for param in main.params:
        for opt in param.opts:
            if opt.startswith("--"):
                assert f"`{opt}`" in README, opt
    assert "`--version`" in README


@pytest.mark.parametrize(
    "keys",
    [TOP_KEYS, TENSION_KEYS, QUESTION_KEYS, SCALE_KEYS, PERSONA_KEYS, DATA_KEYS, CLEANING_KEYS],
)
def test_every_instrument_key_is_documented(keys):
    reference = README[README.index("## The instrument file") : README.index("## Other study")]
    for key in keys:
        assert f"`{key}`" in reference, f"README does not document the instrument key {key!r}"


def test_every_environment_variable_and_input_limit_is_documented():
    """Each ``PERSONAS_*`` variable the code reads, and each refusal code of input files."""
    from personas._paths import INPUT_LIMITS

    found = set()
    for path in (REPO / "src" / "personas").rglob("*.py"):
        found |= set(re.findall(r"\bPERSONAS_[A-Z_]+\b", path.read_text(encoding="utf-8")))
    assert {variable for variable, _ in INPUT_LIMITS.values()} <= found
    for variable in sorted(found):
        assert f"`{variable}`" in README or f"`${variable}`" in README, variable
    section = README[README.index("### Refused input files and limits") :]
    for code in ("not-a-file", "file-too-large", "yaml-too-deep", "nested-column",
                 "too-few-respondents", "run-damaged", "run-changed"):  # fmt: skip
        assert f"`{code}`" in section, code
    for variable, default in INPUT_LIMITS.values():
        assert f"`{variable}` (default {default:g} MiB)" in section, variable
