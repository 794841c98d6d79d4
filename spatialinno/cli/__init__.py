"""The ``spatialinno`` command line (``spatialinno demo``, ``spatialinno analyze``).

``main(argv)`` (:mod:`.main`) parses the arguments (:mod:`.options`) and runs the pipeline (:mod:`.run`):
:mod:`.inputs` -> :mod:`.steps` (frozen step results; figures from :mod:`.figures`) -> :mod:`.prose` (sentences)
-> :mod:`.report` (the document) -> :mod:`.document` (jinja2 templates in ``templates/``) and :mod:`.output`
(tables, figures, run.json).
"""

from .main import main

__all__ = ["main"]
