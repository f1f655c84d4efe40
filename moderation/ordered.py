"""String enums whose members compare in the order they are defined.

A verdict, a reason's kind, a gate's or a model's status each have an order; the enum carries it, so ``max()`` of
verdicts is the most severe and no table of ranks is kept beside it. The members stay strings (``"hold"``), so they
read and serialise as before.

>>> class Level(OrderedEnum):
...     LOW = "low"
...     HIGH = "high"
>>> max(Level.HIGH, Level.LOW), Level.LOW < Level.HIGH, Level.HIGH == "high"
(<Level.HIGH: 'high'>, True, True)
"""

from __future__ import annotations

import enum

__all__ = ["OrderedEnum"]


class OrderedEnum(str, enum.Enum):
    """A ``str`` enum ordered by definition: the first member is the lowest."""

    @property
    def rank(self) -> int:
        """The member's position, 0 for the first."""
        return type(self)._member_names_.index(self.name)

    def __str__(self) -> str:
        return self.value

    def __lt__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.rank >= other.rank
