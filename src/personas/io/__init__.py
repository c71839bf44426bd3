"""io stage: read one survey wave (CSV/TSV, Excel, SPSS, Stata, Parquet, Qualtrics exports)
and map it onto an instrument's questions -> :class:`Responses`."""

from personas.io.read import FORMATS, read_responses
from personas.io.responses import Responses, Source

__all__ = ["read_responses", "Responses", "Source", "FORMATS"]
