"""aichain.app.store: the KVStore interface, its layers and the committed root store."""

from aichain.app.store.cache import CacheStore
from aichain.app.store.kv import KVStore, prefix_end
from aichain.app.store.memory import MemStore
from aichain.app.store.prefix import PrefixStore
from aichain.app.store.root import RootStore, compute_app_hash

__all__ = [
    "CacheStore",
    "KVStore",
    "MemStore",
    "PrefixStore",
    "RootStore",
    "compute_app_hash",
    "prefix_end",
]
