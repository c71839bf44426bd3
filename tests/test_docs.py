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
