"""Side-by-side tables of several fitted models, laid out as in applied journals.

``si.compare(results)`` returns a :class:`CompareTable`: one column per model; for every coefficient
its estimate with significance stars and, beneath, its standard error, t statistic, p-value (in
parentheses) or confidence interval (in brackets); the spatial parameters (``rho``, ``lambda``);
optionally LeSage-Pace direct, indirect and total effects; user rows ("Province FE: Yes") and model
statistics (observations, R2, log-likelihood, ...). Render it with :meth:`CompareTable.to_latex`
(booktabs; xelatex + ctex for Chinese labels), :meth:`CompareTable.to_markdown`,
:meth:`CompareTable.to_html`, :meth:`CompareTable.to_docx` (Word) or ``str()``.

Stars: ``***`` if p < 0.01, ``**`` if p < 0.05, ``*`` if p < 0.10 by default (strict inequalities; a
p-value of exactly 0.05 gets one star).

Why not pyfixest's ``etable``, ``maketables`` or ``great-tables``: ``etable`` is a thin wrapper over
``maketables`` (0.x, with ``great-tables``, ``ipython`` and ``tabulate`` as dependencies), which reads
models through per-package extractors and knows none of the blocks spatial models need
(``rho``/``lambda`` apart from the coefficients, direct/indirect/total effects with their own
inference, weights, the within-R2 note); ``great-tables`` renders HTML (LaTeX experimental), not Word.
Building on them would mean a 0.x dependency chain plus an adapter as large as this module, so the
table is built here (python-docx only for Word) following their conventions: stars, statistics in
parentheses, statistic rows, column groups, label mapping.
"""

from .builder import compare
from .format import significance_stars
from .table import CompareTable

__all__ = ["compare", "CompareTable", "significance_stars"]
