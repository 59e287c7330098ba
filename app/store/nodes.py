"""Where the authenticated tree keeps its nodes in the backend, and how nodes are encoded.

Every key here starts with 0x00, which no module key does (module keys are `<module>/...`).
Nodes are immutable and addressed by (version, path): a block writes new nodes under its own
height and records the nodes it replaced in the stale index, which pruning consumes.
"""

from __future__ import annotations

from aichain.app.store.errors import StoreCorruptError

NODE_PREFIX = b"\x00n"
"""node key: 0x00 'n' || u64be(version) || u8(depth) || path nibbles, one byte each."""

ROOT_PREFIX = b"\x00r"
"""0x00 'r' || u64be(version) -> u64be(version of the root node) || root hash (empty: 0, 0*32)."""

STALE_PREFIX = b"\x00s"
"""0x00 's' || u64be(version it was replaced at) || node key -> b'' (what pruning deletes)."""

INTERNAL_TAG = 1
"""First byte of an encoded internal node."""

LEAF_TAG = 2
"""First byte of an encoded leaf."""

Entry = tuple[int, bytes, bytes | None]
"""A child reference: (version of the child node, its hash, the leaf's key hash or None for an
internal node). Keeping a leaf's key hash in its parent lets a block overwrite or delete a key
without reading the old leaf."""

_HEX_TO_NIBBLE = str.maketrans({c: chr(int(c, 16)) for c in "0123456789abcdef"})


def compute_nibbles(key_hash: bytes) -> bytes:
    """The 64 nibbles of a 32-byte key hash, one per byte, high nibble first."""
    return key_hash.hex().translate(_HEX_TO_NIBBLE).encode("latin-1")


def node_key(version: int, path: bytes) -> bytes:
    """The backend key of the node at path (nibble bytes) written at version."""
    return NODE_PREFIX + version.to_bytes(8, "big") + bytes((len(path),)) + path


def root_key(version: int) -> bytes:
    """The backend key of the root record of version."""
    return ROOT_PREFIX + version.to_bytes(8, "big")


def stale_key(version: int, nkey: bytes) -> bytes:
    """The stale-index key of a node replaced at version."""
    return STALE_PREFIX + version.to_bytes(8, "big") + nkey


def encode_root(root: Entry | None) -> bytes:
    """A root record: u64be(node version) || hash; an empty tree is version 0, 32 zero bytes."""
    if root is None:
        return bytes(40)
    return root[0].to_bytes(8, "big") + root[1]


def decode_root(data: bytes) -> Entry | None:
    """The root entry of a root record (None for an empty tree)."""
    if len(data) != 40:
        raise StoreCorruptError(f"root record has {len(data)} bytes, expected 40")
    version = int.from_bytes(data[:8], "big")
    return None if version == 0 else (version, data[8:], None)


def encode_internal(children: list[Entry | None]) -> bytes:
    """0x01 || u16be(present bits) || u16be(leaf bits) || per present child, by slot:
    u64be(version) || hash, then sha256(key) if the child is a leaf."""
    present = leaves = 0
    parts = [b""]
    bit = 1
    for child in children:
        if child is not None:
            present |= bit
            kh = child[2]
            if kh is not None:
                leaves |= bit
                parts.append(child[0].to_bytes(8, "big") + child[1] + kh)
            else:
                parts.append(child[0].to_bytes(8, "big") + child[1])
        bit <<= 1
    parts[0] = bytes((INTERNAL_TAG, present >> 8, present & 0xFF, leaves >> 8, leaves & 0xFF))
    return b"".join(parts)


_SLOTS_LO = [tuple(s for s in range(8) if b >> s & 1) for b in range(256)]
"""The slots 0-7 whose bits are set in the low byte of a present bitmap."""

_SLOTS_HI = [tuple(s + 8 for s in range(8) if b >> s & 1) for b in range(256)]
"""The slots 8-15 whose bits are set in the high byte of a present bitmap."""


def decode_internal(data: bytes) -> list[Entry | None]:
    """The 16 child entries of an encoded internal node."""
    if len(data) < 5 or data[0] != INTERNAL_TAG:
        raise StoreCorruptError("expected an internal node")
    leaves = data[3] << 8 | data[4]
    children: list[Entry | None] = [None] * 16
    from_bytes = int.from_bytes
    off = 5
    for slot in _SLOTS_LO[data[2]] + _SLOTS_HI[data[1]]:
        end = off + 40
        if leaves >> slot & 1:
            children[slot] = (
                from_bytes(data[off : off + 8], "big"),
                data[off + 8 : end],
                data[end : end + 32],
            )
            off = end + 32
        else:
            children[slot] = (from_bytes(data[off : off + 8], "big"), data[off + 8 : end], None)
            off = end
    if off != len(data):
        raise StoreCorruptError("internal node has trailing bytes")
    return children


def encode_leaf(key: bytes, value: bytes) -> bytes:
    """0x02 || u32be(len(key)) || key || value."""
    return bytes((LEAF_TAG,)) + len(key).to_bytes(4, "big") + key + value


def decode_leaf(data: bytes) -> tuple[bytes, bytes]:
    """(key, value) of an encoded leaf."""
    if not data or data[0] != LEAF_TAG:
        raise StoreCorruptError("expected a leaf node")
    n = int.from_bytes(data[1:5], "big")
    return data[5 : 5 + n], data[5 + n :]
