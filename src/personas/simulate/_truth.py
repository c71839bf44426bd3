"""What a simulated wave plants: segments, answer noise, dirt rates and drift between waves.

A :class:`Truth` is the answer key of a synthetic survey wave. It is either written by hand in
``surveys/<study>/truth.yaml`` (read by :func:`load_truth`) or made from the instrument's
hand-made personas (:meth:`Truth.from_personas`: one segment per persona, equal shares).

Positions follow :mod:`personas.instrument.model`: -1 is pole ``a``, +1 pole ``b``; a tension
a segment does not mention is left at random (``None``). Answers are codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType

from personas.errors import InputError, Problem
from personas.instrument.model import Instrument

__all__ = ["Dirt", "PlantedSegment", "Drift", "Truth", "DEFAULT_NOISE"]

DEFAULT_NOISE = 0.1


@dataclass(frozen=True)
class Dirt:
    """Rates of real-world dirt in a simulated wave.

    The first three are *respondent* kinds and exclusive: a respondent gets at most one of
    them, so every flag in ``Simulation.truth`` means exactly one planted behaviour.

    Attributes
    ----------
    attention
        Share of respondents who answer the items at random and fail at least one attention
        check.
    speeders
        Share who answer the items at random in a few seconds (8–40 s, against a lognormal
        around 3.5 minutes for everyone else).
    straightliners
        Share who give the same answer to every item (attention checks answered correctly).
    missing
        Share of item cells left unanswered (empty or one of ``data.missing``).
    duplicates
        Share of rows that are a copy of an earlier respondent's row, with the same id.
    spellings
        Share of boolean cells written another way: Yes/No, y/n, 1/0, TRUE/false, T/F, with
        stray spaces.
    """

    attention: float = 0.03
    speeders: float = 0.03
    straightliners: float = 0.02
    missing: float = 0.02
    duplicates: float = 0.01
    spellings: float = 0.10

    @classmethod
    def none(cls) -> Dirt:
        """A perfectly clean wave (every rate 0)."""
        return cls(**{f.name: 0.0 for f in fields(cls)})

    def updated(self, rates: Mapping[str, float] | Dirt | None) -> Dirt:
        """A copy with some rates replaced; ``rates`` may be partial. Checked when used."""
        if rates is None:
            return self
        if isinstance(rates, Dirt):
            return rates
        unknown = sorted(set(rates) - {f.name for f in fields(self)})
        if unknown:
            raise InputError(
                Problem(
                    f"unknown dirt kind {unknown[0]!r}",
                    value=unknown[0],
                    hint=f"Known kinds: {', '.join(f.name for f in fields(self))}",
                    code="unknown-dirt",
                )
            )
        return replace(self, **{k: float(v) for k, v in rates.items()})

    def problems(self) -> list[Problem]:
        """Every rate outside [0, 1], and respondent kinds that add up to more than 1."""
        out = [
            Problem(f"dirt rate {f.name!r} must be between 0 and 1", value=getattr(self, f.name))
            for f in fields(self)
            if not 0.0 <= getattr(self, f.name) <= 1.0
        ]
        if self.attention + self.speeders + self.straightliners > 1.0:
            out.append(Problem("dirt rates attention + speeders + straightliners exceed 1"))
        return out


@dataclass(frozen=True)
class PlantedSegment:
    """One planted segment: who it is, how big, where it stands, and what it always answers.

    ``tensions`` maps tension id to a position in [-1, 1] (unmentioned tensions: random);
    ``answers`` maps question id to a code; ``personas`` names the hand-made personas the
    segment plants (two or more = a merge); ``noise`` overrides the truth's noise.
    """

    id: str
    name: str
    share: float
    tensions: Mapping[str, float] = field(default_factory=dict)
    answers: Mapping[str, float] = field(default_factory=dict)
    personas: tuple[str, ...] = ()
    noise: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "tensions", MappingProxyType(dict(self.tensions)))
        object.__setattr__(self, "answers", MappingProxyType(dict(self.answers)))
        object.__setattr__(self, "personas", tuple(self.personas))


@dataclass(frozen=True)
class Drift:
    """How a later wave differs: new shares for some segments, and segments that appear.

    After ``shares`` replace the named segments' shares and ``add`` appends new segments, all
    shares are rescaled to sum to 1 (a share of 0 makes a segment vanish).
    """

    shares: Mapping[str, float] = field(default_factory=dict)
    add: tuple[PlantedSegment, ...] = ()
    noise: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "shares", MappingProxyType(dict(self.shares)))
        object.__setattr__(self, "add", tuple(self.add))


@dataclass(frozen=True)
class Truth:
    """The answer key of a simulated wave.

    Attributes
    ----------
    segments
        The planted segments; shares sum to 1.
    noise
        Per-answer noise: each answer is replaced by a uniformly random one with probability
        ``2 * noise`` (for True/False items: flipped with probability ``noise``).
    dirt
        Dirt rates written in the truth file (``simulate(dirt=...)`` overrides them).
    drift
        Changes for later waves, by wave name (see :meth:`for_wave`).
    path
        The truth file, if loaded from one.
    """

    segments: tuple[PlantedSegment, ...]
    noise: float = DEFAULT_NOISE
    dirt: Dirt = field(default_factory=Dirt)
    drift: Mapping[str, Drift] = field(default_factory=dict)
    path: Path | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(self.segments))
        object.__setattr__(self, "drift", MappingProxyType(dict(self.drift)))

    def __repr__(self) -> str:
        shares = ", ".join(f"{s.id}={s.share:.2f}" for s in self.segments)
        return f"Truth({len(self.segments)} segments: {shares}; noise={self.noise})"

    @classmethod
    def from_personas(cls, instrument: Instrument, *, noise: float = DEFAULT_NOISE) -> Truth:
        """One segment per hand-made persona, equal shares, positions and answers as written.

        Raises
        ------
        InputError
            When the instrument has no personas to plant.
        """
        if not instrument.personas:
            raise InputError(
                Problem(
                    f"study {instrument.study_id!r} has no personas to plant",
                    file=str(instrument.path) if instrument.path else None,
                    hint="Add personas to instrument.yaml or give a truth file",
                    code="no-personas",
                )
            )
        share = 1.0 / len(instrument.personas)
        segments = tuple(
            PlantedSegment(p.id, p.name, share, p.tensions, p.answers, (p.id,))
            for p in instrument.personas
        )
        return cls(segments=segments, noise=noise)

    def for_wave(self, wave: str | None) -> Truth:
        """The truth of wave ``wave``: this one with ``drift[wave]`` applied (if there is one).

        This is the extension point for drifted waves: shares shift, segments appear or vanish.
        """
        change = self.drift.get(wave) if wave is not None else None
        if change is None:
            return self
        segments = [replace(s, share=change.shares.get(s.id, s.share)) for s in self.segments]
        segments += list(change.add)
        total = sum(s.share for s in segments)
        if not total > 0:
            raise InputError(
                Problem(
                    f"drift of wave {wave!r} leaves every segment with share 0",
                    file=str(self.path) if self.path else None,
                    code="bad-share",
                )
            )
        segments = [replace(s, share=s.share / total) for s in segments]
        noise = self.noise if change.noise is None else change.noise
        return replace(self, segments=tuple(segments), noise=noise)

    @property
    def shares(self) -> dict[str, float]:
        """Planted share by segment id."""
        return {s.id: s.share for s in self.segments}
