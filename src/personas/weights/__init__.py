"""Survey weights by raking: ``personas weight STUDY --wave W --margins margins.yaml``.

:func:`load_margins` reads the population shares, :func:`rake` is the iterative proportional
fitting, :func:`weight_wave` rakes a wave's kept respondents and writes a copy of the file with
the weight column (the input is never modified). A run then uses it with ``--weights``.
"""

from personas.weights.core import Weighting, weight_wave
from personas.weights.margins import Margins, load_margins
from personas.weights.rake import RakeResult, rake

__all__ = ["Margins", "load_margins", "rake", "RakeResult", "weight_wave", "Weighting"]
