"""Frozen value classes that cost almost nothing to define: `@frozen` on a `Frozen` subclass.

`@dataclass(frozen=True)` compiles six methods per class with `exec`; the rule AST's 35 classes
took ~28 ms of every `ciimage validate` that way (a third of its own start-up). `@frozen` keeps
the dataclass metadata (so `dataclasses.fields`, `replace` and `is_dataclass` work unchanged) and
takes `__init__`, `__eq__`, `__hash__`, `__repr__` and the frozen `__setattr__` from `Frozen`,
which reads the field table `@frozen` records once per class. Behaviour is a frozen dataclass's:
equality and hash over the fields with `compare=True`, `FrozenInstanceError` on assignment,
default pickling.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

_MISSING: Any = dataclasses.MISSING
_C = TypeVar("_C", bound="type[Frozen]")


class Frozen:
    """The methods of a frozen dataclass, driven by the table `@frozen` stores on each class."""

    __slots__ = ()
    _names: ClassVar[tuple[str, ...]] = ()
    _compared: ClassVar[tuple[str, ...]] = ()
    _hashed: ClassVar[tuple[str, ...]] = ()
    _shown: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}
    _factories: ClassVar[dict[str, Callable[[], Any]]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = self._names
        if len(args) > len(names):
            raise TypeError(
                f"{type(self).__name__}() takes {len(names)} arguments, {len(args)} were given"
            )
        values = dict(zip(names, args, strict=False))
        for name, value in kwargs.items():
            if name in values or name not in names:
                problem = "got multiple values for" if name in values else "has no"
                raise TypeError(f"{type(self).__name__}() {problem} argument {name!r}")
            values[name] = value
        assign = object.__setattr__
        for name in names:
            if name in values:
                assign(self, name, values[name])
            elif name in self._defaults:
                assign(self, name, self._defaults[name])
            elif name in self._factories:
                assign(self, name, self._factories[name]())
            else:
                raise TypeError(f"{type(self).__name__}() missing argument {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        compared = self._compared
        return tuple(getattr(self, n) for n in compared) == tuple(
            getattr(other, n) for n in compared
        )

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, n) for n in self._hashed))

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._shown)
        return f"{type(self).__qualname__}({shown})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


def frozen(cls: _C) -> _C:
    """Record `cls`'s dataclass fields; its methods come from `Frozen` (see the module doc)."""
    dataclasses.dataclass(init=False, repr=False, eq=False)(cls)
    # Declared frozen to dataclasses too, so that a frozen dataclass may subclass it.
    cls.__dataclass_params__.frozen = True  # type: ignore[attr-defined]
    fields = dataclasses.fields(cls)
    cls._names = tuple(f.name for f in fields)
    cls._compared = tuple(f.name for f in fields if f.compare)
    cls._hashed = tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash))
    cls._shown = tuple(f.name for f in fields if f.repr)
    cls._defaults = {f.name: f.default for f in fields if f.default is not _MISSING}
    cls._factories = {
        f.name: f.default_factory for f in fields if f.default_factory is not _MISSING
    }
    return cls
