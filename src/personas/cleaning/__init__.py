"""cleaning stage: exclusion rules, the ledger that loses nobody, imputation.

``clean(responses) -> CleanResponses``; ``CleanResponses.ledger`` is the :class:`Ledger`
(``Ledger.to_csv(path)`` writes ``exclusions.csv``; :func:`ledger_table` gives the rows the
CLI prints).
"""

from personas.cleaning._clean import clean
from personas.cleaning.ledger import ledger_table
from personas.cleaning.model import CleanResponses, Ledger
from personas.cleaning.rules import RULE_ORDER

__all__ = ["clean", "Ledger", "CleanResponses", "ledger_table", "RULE_ORDER"]
