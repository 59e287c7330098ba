"""The execution context handed to ante steps, message handlers and block steps."""

from __future__ import annotations

from dataclasses import dataclass, field

from aichain.app.gas import GasMeter
from aichain.app.store.kv import KVStore
from aichain.app.store.prefix import PrefixStore
from aichain.app.store_keys import StoreAccessError, StoreKey, StoreKeys


@dataclass(frozen=True, slots=True)
class Event:
    """A typed event: a type and ordered (key, value) attributes."""

    type: str
    attributes: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class VoteInfo:
    """One validator's vote in the last commit: consensus address, power, whether it signed."""

    address: bytes
    power: int
    signed: bool


@dataclass(frozen=True, slots=True)
class Misbehavior:
    """Evidence CometBFT reports: kind ("duplicate_vote" | "light_client_attack")."""

    kind: str
    address: bytes
    power: int
    height: int
    time_ns: int
    total_voting_power: int


@dataclass(frozen=True, slots=True)
class BlockInfo:
    """What CometBFT says about the block being executed."""

    proposer: bytes = b""
    last_commit_round: int = 0
    votes: tuple[VoteInfo, ...] = ()
    misbehavior: tuple[Misbehavior, ...] = ()
    hash: bytes = b""
    """This block's hash (RequestFinalizeBlock.hash); a module that needs the previous
    block's hash in CheckTx too keeps it in its own store (attribution's assignment seed)."""


@dataclass(frozen=True, slots=True)
class ValidatorUpdate:
    """A change to CometBFT's validator set: an ed25519 consensus key and its new power (0
    removes it)."""

    pubkey: bytes
    power: int


NO_BLOCK = BlockInfo()
"""Block info of contexts outside FinalizeBlock (CheckTx, queries, genesis)."""


@dataclass(slots=True)
class Context:
    """Where a state transition runs: its store branch, block header facts, gas and events."""

    store: KVStore
    height: int
    time_ns: int
    chain_id: str
    gas_meter: GasMeter
    is_check: bool = False
    is_simulate: bool = False
    events: list[Event] = field(default_factory=list)
    block: BlockInfo = NO_BLOCK
    validator_updates: list[ValidatorUpdate] = field(default_factory=list)
    store_keys: StoreKeys | None = None
    """The keys the app issued; None in keeper unit tests, which hold their keys directly."""
    _stores: dict[StoreKey, PrefixStore] = field(default_factory=dict, repr=False)

    def kv(self, key: StoreKey) -> PrefixStore:
        """The store of the module key was issued to. Raises StoreAccessError for a key the
        app did not issue."""
        store = self._stores.get(key)
        if store is None:
            if not isinstance(key, StoreKey) or (
                self.store_keys is not None and not self.store_keys.is_issued(key)
            ):
                raise StoreAccessError(
                    f"store access with {key!r} refused: only a key the app issued to a module "
                    "opens a store (a module reaches other modules' state through their keepers)"
                )
            store = self._stores[key] = PrefixStore(self.store, key.prefix)
        return store

    @property
    def records_events(self) -> bool:
        """False in CheckTx, whose events nobody reads: modules may skip building them."""
        return not self.is_check or self.is_simulate

    def emit(self, type_: str, *attributes: tuple[str, str]) -> None:
        """Records an event."""
        self.events.append(Event(type_, attributes))
