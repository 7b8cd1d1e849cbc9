"""One way to validate string options (devices, precisions, index types, search modes ...).

Each option set is declared once as a ``Literal[...]`` and its values read with ``typing.get_args``; callers
validate with :func:`check_option`, so every error message lists exactly the values the code accepts.
"""
from __future__ import annotations

from typing import Sequence, TypeVar

T = TypeVar("T")


def check_option(name: str, value: T, allowed: Sequence[T]) -> T:
    """Return ``value`` if it is one of ``allowed``; otherwise raise ValueError naming the valid values."""
    if value not in allowed:
        valid = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"invalid {name} {value!r}: choose one of {valid}")
    return value
