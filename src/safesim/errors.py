"""The one base of every error safesim explains to its user.

Each module raises its own kind (a scenario's ``InputError``, a results folder's
``ResultsError``, ...), all ``SafesimError``: the command line turns any of them into one
line on stderr and exit status 2, so a new kind needs no new handler. Failures of the work
itself (a lost worker, runs that cannot be analysed) are not bad input and are not
``SafesimError``: they end with status 1 and say where the finished runs are kept.
"""

from __future__ import annotations


class SafesimError(Exception):
    """An input, file or state safesim cannot use; the message is one line naming it."""
