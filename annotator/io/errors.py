"""Problems with a user's input: always one line naming the file (and line).

Defined in :mod:`annotator.core.errors`, with every other problem a surface reports.
"""

from annotator.core.errors import InputProblem, ProjectProblem

__all__ = ["InputProblem", "ProjectProblem"]
