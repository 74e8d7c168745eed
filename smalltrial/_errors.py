"""Exception and warning classes shared by every smalltrial module."""

from __future__ import annotations

import warnings

__all__ = ["SmallTrialError", "SmallTrialWarning", "warn"]


class SmallTrialError(ValueError):
    """Bad input: the message names the argument or column and the offending value(s)."""


class SmallTrialWarning(UserWarning):
    """A statistical caveat (boundary fit, tiny n, ...); also recorded on the result."""


def warn(message: str, record: list[str] | None = None, *, stacklevel: int = 3) -> None:
    """Emit a :class:`SmallTrialWarning` and append ``message`` to ``record`` when given."""
    if record is not None:
        record.append(message)
    warnings.warn(message, SmallTrialWarning, stacklevel=stacklevel)
