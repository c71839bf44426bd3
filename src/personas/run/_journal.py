"""The decision journal: every choice a run made, in plain words, in the order it was made."""

from __future__ import annotations


class Journal(list):
    """A list of sentences with helpers that word each stage's decisions."""

    def loaded(self, responses) -> None:
        src = responses.source
        text = f"Loaded {responses.n_loaded:,} respondents from {src.path.name} ({src.format}"
        if src.encoding:
            text += f", {src.encoding}"
        text += f"; sha256 {src.sha256[:12]}…)."
        self.append(text)
        for note in getattr(src, "notes", ()):
            self.append(note)
        if len(responses.dropped):
            reasons = responses.dropped["reason"].value_counts()
            parts = ", ".join(f"{n:,} {reason}s" for reason, n in reasons.items())
            self.append(f"Dropped while reading: {parts}.")
        if len(responses.invalid):
            self.append(
                f"{len(responses.invalid):,} answers that their question does not allow were "
                "turned into missing answers (lenient mode)."
            )

    def one_pole(self, instrument) -> None:
        """One line per one-way-keyed tension: acquiescence cannot be told from the pole."""
        for tension_id, pole in instrument.one_pole_tensions:
            self.append(
                f"Tension '{tension_id}' has questions on pole {pole} only: agreeing with "
                f"everything and sitting at pole {pole} cannot be told apart (acquiescence); "
                "its position is computed from those questions alone."
            )

    def no_tensions(self, instrument) -> None:
        """One line when the instrument has no tensions: answers alone describe and compare."""
        if not instrument.tensions:
            self.append(
                "The instrument has no tensions: segments are described by their answers and "
                "hand-made personas are compared on the answers they expect."
            )

    def cleaned(self, clean) -> None:
        ledger = clean.ledger
        counts = ledger.counts()
        if counts:
            parts = "; ".join(f"{reason}: {n:,}" for reason, n in counts.items())
            self.append(
                f"Excluded {ledger.excluded:,} of {ledger.loaded:,} respondents "
                f"({parts}); kept {ledger.kept:,}."
            )
        else:
            self.append(f"Kept all {ledger.kept:,} respondents; no cleaning rule fired.")
        imp = clean.imputation or {}
        if imp.get("cells"):
            how = (
                "the most common answer for True/False and choice questions, the median for scales"
                if imp.get("rule") == "auto"
                else "nothing (kept missing)"
            )
            self.append(f"Filled {imp['cells']:,} missing answers with {how}.")

    def weighted(self, clean) -> None:
        """What the weights are and what they cost in precision (Kish's effective n)."""
        if clean.weights is None:
            return
        from personas.io._weights import extreme_note, weight_facts

        column = clean.instrument.data.weight_column
        facts = weight_facts(clean.weights)
        ledger = clean.ledger
        self.append(
            f"Results are weighted by column {column!r}: weights {facts['min']:.3g} to "
            f"{facts['max']:.3g} (median {facts['median']:.3g}) over the {facts['n']:,} kept "
            f"respondents, Kish effective n = (sum w)^2 / sum w^2 = {facts['n_eff']:,.0f} "
            f"(design effect {facts['deff']:.2f}); excluded respondents carried weight "
            f"{ledger.excluded_weight:,.4g} of {ledger.excluded_weight + ledger.kept_weight:,.4g}."
        )
        note = extreme_note(clean.weights, name=column)
        if note:
            self.append(f"warning: {note}.")

    def compared(self, comparison) -> None:
        from personas.compare.core import verdict_paragraph

        self.append(verdict_paragraph(comparison))

    def embedded(self, embedding) -> None:
        if embedding.sample_size < embedding.n:
            self.append(
                f"The map (UMAP, {embedding.metric} distance) shows a stratified sample of "
                f"{embedding.sample_size:,} of {embedding.n:,} respondents (seed "
                f"{embedding.random_state})."
            )
        else:
            self.append(
                f"The map (UMAP, {embedding.metric} distance) shows all "
                f"{embedding.n:,} respondents (seed {embedding.random_state})."
            )
