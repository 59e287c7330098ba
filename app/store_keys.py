"""Store keys: a module's capability to open its own part of the state.

A module's state lives under the prefix `NAME/` (the name `query store NAME KEY` takes).
The app issues one `StoreKey` per module at wiring time and hands it to that module's keeper
only; a context opens a store for a key the app issued and refuses any other (a key a module
made itself, a bare prefix). So a keeper reaches other modules' state only through the keepers
it is given.
"""

from __future__ import annotations

import re

NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,31}")
"""Module and store key names: lowercase, starting with a letter, at most 32 characters."""


class StoreAccessError(RuntimeError):
    """A store was asked for with a key the app did not issue: a wiring bug, never user
    input, so it surfaces as an internal error."""


class StoreKey:
    """The capability to a module's store, issued once per app by `StoreKeys.issue`.

    Compared by identity: two keys with the same name are different capabilities."""

    __slots__ = ("name", "prefix")

    def __init__(self, name: str) -> None:
        if not NAME_PATTERN.fullmatch(name):
            raise ValueError(
                f"store key {name!r}: use a lowercase name of letters, digits and '_' "
                "starting with a letter (at most 32 characters)"
            )
        self.name = name
        self.prefix = name.encode() + b"/"

    def __repr__(self) -> str:
        return f"StoreKey({self.name!r})"


class StoreKeys:
    """The keys one app issued, by name."""

    def __init__(self) -> None:
        self._keys: dict[str, StoreKey] = {}
        self._owner: dict[str, str] = {}

    def issue(self, name: str, module: str | None = None) -> StoreKey:
        """A new key for module's store (module defaults to name). Raises ValueError when the
        name is taken or belongs to another module."""
        module = module or name
        if name != module:
            raise ValueError(
                f"module {module} asks for store key {name!r}: a module's store key is its "
                f"own name ({module!r}); reach another module's state through its keeper"
            )
        if name in self._keys:
            raise ValueError(
                f"module {module} asks for store key {name!r}, already issued to module "
                f"{self._owner[name]}"
            )
        key = self._keys[name] = StoreKey(name)
        self._owner[name] = module
        return key

    def get(self, name: str) -> StoreKey | None:
        """The key issued under name, if any."""
        return self._keys.get(name)

    def names(self) -> tuple[str, ...]:
        """Issued key names, sorted."""
        return tuple(sorted(self._keys))

    def is_issued(self, key: StoreKey) -> bool:
        """Whether key is the very key this app issued under its name."""
        return self._keys.get(key.name) is key
