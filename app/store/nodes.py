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
"""0x00 's' || u64be(version) -> the keys of the nodes that version replaced, each as
u8(length) || node key (what pruning deletes); absent if the version replaced none."""

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


def stale_key(version: int) -> bytes:
    """The stale-index key of the nodes replaced at version."""
    return STALE_PREFIX + version.to_bytes(8, "big")


def encode_stale(nkeys: list[bytes]) -> bytes:
    """A stale-index record: u8(length) || node key, for each replaced node."""
    return b"".join([bytes((len(nkey),)) + nkey for nkey in nkeys])


def decode_stale(data: bytes) -> list[bytes]:
    """The node keys of a stale-index record."""
    nkeys = []
    off, end = 0, len(data)
    while off < end:
        n = data[off]
        if off + 1 + n > end:
            raise StoreCorruptError("stale-index record is truncated")
        nkeys.append(data[off + 1 : off + 1 + n])
        off += 1 + n
    return nkeys


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


def compute_child_span(data: bytes, slot: int) -> tuple[int, int]:
    """(offset, size) of slot's child in an encoded internal node; size 0 if it has none."""
    present = data[1] << 8 | data[2]
    leaves = data[3] << 8 | data[4]
    bit = 1 << slot
    below = bit - 1
    off = 5 + 40 * (present & below).bit_count() + 32 * (leaves & below).bit_count()
    if not present & bit:
        return off, 0
    return off, 72 if leaves & bit else 40


def read_child(data: bytes, slot: int) -> Entry | None:
    """The entry at slot of an encoded internal node, without decoding the others."""
    off, size = compute_child_span(data, slot)
    if not size:
        return None
    version = int.from_bytes(data[off : off + 8], "big")
    if size == 72:
        return version, data[off + 8 : off + 40], data[off + 40 : off + 72]
    return version, data[off + 8 : off + 40], None


def read_slot_hash(data: bytes, slot: int, empty: bytes) -> bytes:
    """The hash of slot's child in an encoded internal node (empty if it has none)."""
    present = data[1] << 8 | data[2]
    bit = 1 << slot
    if not present & bit:
        return empty
    leaves = data[3] << 8 | data[4]
    below = bit - 1
    off = 13 + 40 * (present & below).bit_count() + 32 * (leaves & below).bit_count()
    return data[off : off + 32]


def compute_child_hashes(data: bytes) -> list[tuple[int, bytes]]:
    """(slot, hash) of each child of an encoded internal node, in slot order."""
    leaves = data[3] << 8 | data[4]
    out = []
    off = 5
    for slot in _SLOTS_LO[data[2]] + _SLOTS_HI[data[1]]:
        out.append((slot, data[off + 8 : off + 40]))
        off += 72 if leaves >> slot & 1 else 40
    return out


def compute_slot_hashes(data: bytes, empty: bytes) -> list[bytes]:
    """The 16 child hashes of an encoded internal node (empty for a slot with no child)."""
    present = data[1] << 8 | data[2]
    leaves = data[3] << 8 | data[4]
    slots = [empty] * 16
    off = 5
    for slot in _SLOTS_LO[data[2]] + _SLOTS_HI[data[1]]:
        slots[slot] = data[off + 8 : off + 40]
        off += 72 if leaves >> slot & 1 else 40
    if present and off != len(data):
        raise StoreCorruptError("internal node has trailing bytes")
    return slots


def splice_internal(data: bytes, changes: list[tuple[int, Entry | None]]) -> bytes:
    """The encoding of an internal node after replacing the children at the changed slots
    (ascending, None = removed); the other children's bytes are copied, not re-encoded."""
    present = data[1] << 8 | data[2]
    leaves = data[3] << 8 | data[4]
    new_present, new_leaves = present, leaves
    parts = []
    pos = 5
    for slot, entry in changes:
        bit = 1 << slot
        below = bit - 1
        off = 5 + 40 * (present & below).bit_count() + 32 * (leaves & below).bit_count()
        size = 0 if not present & bit else 72 if leaves & bit else 40
        parts.append(data[pos:off])
        pos = off + size
        if entry is None:
            new_present &= ~bit
            new_leaves &= ~bit
            continue
        new_present |= bit
        kh = entry[2]
        if kh is None:
            new_leaves &= ~bit
            parts.append(entry[0].to_bytes(8, "big") + entry[1])
        else:
            new_leaves |= bit
            parts.append(entry[0].to_bytes(8, "big") + entry[1] + kh)
    parts.append(data[pos:])
    header = bytes(
        (INTERNAL_TAG, new_present >> 8, new_present & 0xFF, new_leaves >> 8, new_leaves & 0xFF)
    )
    return header + b"".join(parts)


def splice_child(data: bytes, slot: int, entry: Entry | None) -> bytes:
    """splice_internal for one changed slot (the common case on a block's deep paths)."""
    present = data[1] << 8 | data[2]
    leaves = data[3] << 8 | data[4]
    bit = 1 << slot
    below = bit - 1
    off = 5 + 40 * (present & below).bit_count() + 32 * (leaves & below).bit_count()
    end = off if not present & bit else off + (72 if leaves & bit else 40)
    if entry is None:
        present &= ~bit
        leaves &= ~bit
        child = b""
    elif entry[2] is None:
        present |= bit
        leaves &= ~bit
        child = entry[0].to_bytes(8, "big") + entry[1]
    else:
        present |= bit
        leaves |= bit
        child = entry[0].to_bytes(8, "big") + entry[1] + entry[2]
    header = bytes((INTERNAL_TAG, present >> 8, present & 0xFF, leaves >> 8, leaves & 0xFF))
    return header + data[5:off] + child + data[end:]


def count_children(data: bytes) -> int:
    """How many children an encoded internal node has."""
    return (data[1] << 8 | data[2]).bit_count()
