"""One validation of k: ``--k`` and ``segment(k=...)`` refuse the same values the same way."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from _factories import boolean_instrument, clean_from, planted
from personas.cli import main
from personas.errors import InputError
from personas.segment import segment
from personas.segment.k import K_EXPECTED, parse_k

BAD = ["0", "1", "-3", "x", "5..3", "1..4"]


def _message(shown) -> str:
    return f"The 'k' option must be {K_EXPECTED}. Got {shown!r} instead."


@pytest.fixture(scope="module")
def clean():
    X, _ = planted(120, 8, 2, noise=0.05, random_state=0)
    return clean_from(boolean_instrument(8, n_tensions=2), X)


@pytest.mark.parametrize("text", BAD)
def test_parse_k_refuses_with_the_one_message(text):
    with pytest.raises(InputError) as caught:
        parse_k(text)
    (problem,) = caught.value.problems
    assert problem.message == _message(text)
    assert problem.code == "bad-option"


@pytest.mark.parametrize("text", BAD)
def test_cli_gives_the_same_message_and_exit_code_2(text, study, tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(
        main, ["run", "jobsite", "--k", text, "--no-report", "--out", str(out)]
    )
    assert result.exit_code == 2, result.output
    flat = " ".join(result.output.split())
    assert " ".join(_message(text).split()) in flat
    assert "Traceback" not in result.output and not out.exists()


def test_cli_zero_and_one_give_one_error_not_two():
    messages = set()
    for text in ("0", "1"):
        with pytest.raises(InputError) as caught:
            parse_k(text)
        messages.add(re.sub(r"Got .* instead", "Got _ instead", caught.value.problems[0].message))
    assert len(messages) == 1


@pytest.mark.parametrize("k", [1, 0, -3, range(1, 5), (1, 2), "x", True])
def test_segment_refuses_k_as_the_cli_does(clean, k):
    with pytest.raises(InputError) as caught:
        segment(clean, k=k, n_boot=0)
    assert _message(k) in [p.message for p in caught.value.problems]


def test_k_1_via_the_api_is_refused_like_k_1_via_the_cli(clean):
    with pytest.raises(InputError) as api:
        segment(clean, k=1, n_boot=0)
    with pytest.raises(InputError) as cli:
        parse_k("1")
    assert api.value.problems[0].message.replace("1 instead", "'1' instead") == str(
        cli.value.problems[0].message
    )


@pytest.mark.parametrize(
    ("text", "k"), [("auto", "auto"), ("5", 5), (" 2..4 ", range(2, 5)), ("AUTO", "auto")]
)
def test_good_k_is_parsed(text, k):
    assert parse_k(text) == k


def test_smallest_segmentation_k_2_works(clean):
    seg = segment(clean, k=2, n_boot=0, random_state=0)
    assert seg.k == 2 and set(seg.labels) == {1, 2}
