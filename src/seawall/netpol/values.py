"""A base for the analysis' small immutable values (selectors, rule ports and peers, ipBlocks...).

These were frozen dataclasses; ``@dataclass`` generates and ``exec``s the source of ``__init__``,
``__eq__``, ``__hash__``, ``__repr__`` and ``__setattr__`` for every class when its module is
imported, about 0.35 ms per class here: two thirds of the netpol modules' import time, paid by every
``seawall netpol`` process (one per cluster in CI loops). A class with ``__slots__``, a written-out
``__init__`` and this base costs a few microseconds instead. Instances are immutable by convention
(nothing assigns to them after ``__init__``); equality and hashing are by value, over the slots.
"""

from __future__ import annotations


class Value:
    """Equality, hash and repr over the fields named in ``__slots__``."""

    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        if not isinstance(other, Value) or type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"
