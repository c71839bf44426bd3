"""draft stage: an ``instrument.yaml`` drafted from a survey file's own metadata.

``personas init STUDY --from FILE`` reads an SPSS ``.sav`` / Stata ``.dta`` file (variable
labels, value labels, user-missing codes), a Qualtrics response export or a Qualtrics survey
file (``.qsf``), and writes commented YAML that passes ``personas validate`` and runs at once
(plain segmentation), with TODO markers where only a researcher can decide (tensions, poles,
personas). ``_infer`` guesses types, ``_labelled`` and ``_qualtrics`` read the files,
``_render`` writes the text, ``core`` ties them together.
"""

from personas.draft.core import draft_instrument, init_study, render_draft, study_folder
from personas.draft.model import Draft, DraftQuestion, InitResult

__all__ = [
    "draft_instrument",
    "render_draft",
    "init_study",
    "study_folder",
    "Draft",
    "DraftQuestion",
    "InitResult",
]
