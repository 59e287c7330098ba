"""Property test of versions: whatever sequence of appends and removals is published, every
version (old ones included, after later removals rewrote positions) lists exactly its
records, its root equals the shared rule's root of that list, every record's audit path
verifies, and a removed record is no longer in the versions after its removal."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from aichain.modules.datanet.keeper import record_ref
from aichain.modules.datanet.merkle import (
    compute_leaf_hash,
    compute_version_root,
    verify_audit_path,
)
from tests.unit.datanet_fakes import addr, bech, context, make_keeper, new_datanet, new_record

RECORDS = 40


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 3), st.integers(0, 10**6)),
                min_size=1, max_size=8))  # fmt: skip
def test_every_version_stays_exactly_what_was_published(steps) -> None:
    keeper, _ = make_keeper(range(6))
    ctx = context()
    keeper.create_datanet(ctx, new_datanet(bond_per_record="0"))
    for i in range(1, RECORDS + 1):
        keeper.contribute(ctx, addr(1 + i % 5), new_record(i))
        keeper.review(ctx, bech(0), 1, i, True, "")
    unused = list(range(1, RECORDS + 1))
    current: list[int] = []
    expected: dict[int, list[int]] = {}
    for n_append, n_remove, seed in steps:
        remove = (
            sorted({current[(seed >> k) % len(current)] for k in range(n_remove)})
            if current
            else []
        )
        append = unused[:n_append]
        if not append and not remove or len(current) - len(remove) + len(append) == 0:
            continue
        unused = unused[n_append:]
        version = keeper.publish_version(ctx, bech(0), 1, append, remove, "")
        current = [r for r in current if r not in remove] + append
        expected[version.version] = list(current)
        unused += remove  # removed records may be appended again later
    for number, ids in expected.items():
        found = keeper.require_version(ctx, 1, number)
        assert [e.record_id for e in keeper.iter_entries(ctx, 1, number)] == ids
        refs = [record_ref(keeper.require_record(ctx, 1, i)) for i in ids]
        assert found.root == compute_version_root(refs)
        root = bytes.fromhex(found.root)
        for position, record_id in enumerate(ids):
            assert keeper.get_position(ctx, 1, number, record_id) == position
            path = keeper.get_audit_path(ctx, 1, number, position, found.size)
            leaf = compute_leaf_hash(refs[position])
            assert verify_audit_path(leaf, position, found.size, path, root)
        for record_id in range(1, RECORDS + 1):
            if record_id not in ids:
                assert not keeper.is_record_in_version(ctx, 1, number, record_id)
        assert found.total_weight == len(ids)
        weights = sum(keeper.get_weight(ctx, 1, addr(n), number) for n in range(1, 6))
        assert weights == len(ids)
