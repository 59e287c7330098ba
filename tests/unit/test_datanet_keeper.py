"""Datanet keeper with a fake bank: contributions, review, withdrawal, versions, access and
rewards, and each operation's bad input (`test_<op>_rejects_<reason>`)."""

from __future__ import annotations

import pytest

from aichain.datanet.v1 import datanet_pb2 as pb
from aichain.modules.datanet import errors
from aichain.modules.datanet.invariants import accumulator_invariant, escrow_invariant
from aichain.modules.datanet.keeper import ACCEPTED, PENDING, REJECTED, WITHDRAWN, record_ref
from aichain.modules.datanet.merkle import compute_version_root
from tests.unit.datanet_fakes import (
    DENOM,
    addr,
    bech,
    context,
    make_keeper,
    new_datanet,
    new_record,
)

OWNER = bech(0)


def setup(records: int = 3, **kw):
    keeper, bank = make_keeper()
    ctx = context()
    keeper.create_datanet(ctx, new_datanet(**kw))
    for i in range(1, records + 1):
        keeper.contribute(ctx, addr(i), new_record(i))
    return keeper, bank, ctx


def check(keeper, ctx) -> None:
    assert escrow_invariant(ctx, keeper) is None
    assert accumulator_invariant(ctx, keeper) is None


def test_contribute_escrows_the_bond() -> None:
    keeper, bank, ctx = setup()
    assert bank.module_balance() == 3000
    record = keeper.require_record(ctx, 1, 2)
    assert (record.status, record.bond, record.contributor) == (PENDING, "1000", bech(2))
    check(keeper, ctx)


def test_contribute_rejects_duplicate_hash() -> None:
    keeper, bank, ctx = setup()
    with pytest.raises(errors.DuplicateRecordError):
        keeper.contribute(ctx, addr(5), new_record(1))


def test_contribute_rejects_oversized_record() -> None:
    keeper, _, ctx = setup()
    with pytest.raises(errors.RecordTooLargeError):
        keeper.contribute(ctx, addr(5), new_record(9, size=10_001))


def test_contribute_rejects_unknown_datanet() -> None:
    keeper, _, ctx = setup()
    with pytest.raises(errors.DatanetNotFoundError):
        keeper.contribute(ctx, addr(5), new_record(9, datanet_id=2))


def test_contribute_rejects_closed_datanet() -> None:
    keeper, _, ctx = setup()
    keeper.set_closed(ctx, OWNER, 1, True)
    with pytest.raises(errors.DatanetClosedError):
        keeper.contribute(ctx, addr(5), new_record(9))


def test_contribute_rejects_quota_exceeded_until_the_next_day() -> None:
    keeper, _, ctx = setup(0, quotas=pb.Quotas(account_records_per_day=2, datanet_bytes_per_day=35))
    keeper.contribute(ctx, addr(1), new_record(1))
    keeper.contribute(ctx, addr(1), new_record(2))
    with pytest.raises(errors.QuotaExceededError, match="this account"):
        keeper.contribute(ctx, addr(1), new_record(3))
    keeper.contribute(ctx, addr(2), new_record(3))
    with pytest.raises(errors.QuotaExceededError, match="the datanet"):
        keeper.contribute(ctx, addr(3), new_record(4))
    ctx.time_ns += 86_400 * 10**9
    keeper.contribute(ctx, addr(1), new_record(5))


def test_contribute_rejects_without_funds() -> None:
    keeper, _, ctx = setup()
    from aichain.app.errors import InsufficientFundsError

    with pytest.raises(InsufficientFundsError):
        keeper.contribute(ctx, addr(50), new_record(9))


def test_review_accepts_and_returns_bond_rejects_and_burns() -> None:
    keeper, bank, ctx = setup()
    before = bank.get_balance(ctx, addr(1), DENOM)
    keeper.review(ctx, OWNER, 1, 1, True, "")
    assert bank.get_balance(ctx, addr(1), DENOM) == before + 1000
    burned = keeper.review(ctx, OWNER, 1, 2, False, "off topic")
    assert burned == 500 and bank.burned == 500
    record = keeper.require_record(ctx, 1, 2)
    assert (record.status, record.reason, record.bond) == (REJECTED, "off topic", "0")
    # a rejected hash may be contributed again
    keeper.contribute(ctx, addr(2), new_record(2))
    check(keeper, ctx)


def test_review_rejects_non_curator() -> None:
    keeper, _, ctx = setup()
    with pytest.raises(errors.NotCuratorError):
        keeper.review(ctx, bech(1), 1, 1, True, "")


def test_review_by_a_curator_in_curator_mode() -> None:
    keeper, _, ctx = setup(curation_mode=pb.CURATION_MODE_CURATORS, curators=[bech(7)])
    keeper.review(ctx, bech(7), 1, 1, True, "")
    assert keeper.require_record(ctx, 1, 1).status == ACCEPTED


def test_review_rejects_reviewed_record() -> None:
    keeper, _, ctx = setup()
    keeper.review(ctx, OWNER, 1, 1, True, "")
    with pytest.raises(errors.InvalidRecordStatusError):
        keeper.review(ctx, OWNER, 1, 1, False, "again")


def test_withdraw_returns_bond() -> None:
    keeper, bank, ctx = setup()
    keeper.withdraw(ctx, bech(1), 1, 1)
    assert keeper.require_record(ctx, 1, 1).status == WITHDRAWN
    assert bank.module_balance() == 2000
    check(keeper, ctx)


def test_withdraw_rejects_other_contributor() -> None:
    keeper, _, ctx = setup()
    with pytest.raises(errors.NotContributorError):
        keeper.withdraw(ctx, bech(2), 1, 1)


def test_withdraw_rejects_reviewed_record() -> None:
    keeper, _, ctx = setup()
    keeper.review(ctx, OWNER, 1, 1, True, "")
    with pytest.raises(errors.InvalidRecordStatusError):
        keeper.withdraw(ctx, bech(1), 1, 1)


def accept_all(keeper, ctx, ids) -> None:
    for i in ids:
        keeper.review(ctx, OWNER, 1, i, True, "")


def test_publish_version_root_matches_the_shared_rule() -> None:
    keeper, _, ctx = setup(5)
    accept_all(keeper, ctx, range(1, 6))
    v1 = keeper.publish_version(ctx, OWNER, 1, [3, 1, 2], [], "first")
    refs = [record_ref(keeper.require_record(ctx, 1, i)) for i in (3, 1, 2)]
    assert v1.root == compute_version_root(refs)
    v2 = keeper.publish_version(ctx, OWNER, 1, [5, 4], [1], "second")
    refs = [record_ref(keeper.require_record(ctx, 1, i)) for i in (3, 2, 5, 4)]
    assert (v2.root, v2.size, v2.kept) == (compute_version_root(refs), 4, 1)
    assert [e.record_id for e in keeper.iter_entries(ctx, 1, 1)] == [3, 1, 2]
    assert keeper.get_weight(ctx, 1, addr(1), 1) == 1
    assert keeper.get_weight(ctx, 1, addr(1), 2) == 0


def test_publish_version_rejects_empty() -> None:
    keeper, _, ctx = setup()
    with pytest.raises(errors.EmptyVersionError):
        keeper.publish_version(ctx, OWNER, 1, [], [], "")


def test_publish_version_rejects_removing_everything() -> None:
    keeper, _, ctx = setup()
    accept_all(keeper, ctx, [1])
    keeper.publish_version(ctx, OWNER, 1, [1], [], "")
    with pytest.raises(errors.EmptyVersionError):
        keeper.publish_version(ctx, OWNER, 1, [], [1], "")


def test_publish_version_rejects_record_not_accepted() -> None:
    keeper, _, ctx = setup()
    with pytest.raises(errors.RecordNotAcceptedError):
        keeper.publish_version(ctx, OWNER, 1, [1], [], "")


def test_publish_version_rejects_unknown_record() -> None:
    keeper, _, ctx = setup()
    with pytest.raises(errors.RecordNotFoundError):
        keeper.publish_version(ctx, OWNER, 1, [99], [], "")


def test_publish_version_rejects_record_already_in_version() -> None:
    keeper, _, ctx = setup()
    accept_all(keeper, ctx, [1])
    keeper.publish_version(ctx, OWNER, 1, [1], [], "")
    with pytest.raises(errors.RecordAlreadyInVersionError):
        keeper.publish_version(ctx, OWNER, 1, [1], [], "")


def test_publish_version_rejects_removing_a_record_not_in_it() -> None:
    keeper, _, ctx = setup()
    accept_all(keeper, ctx, [1, 2])
    keeper.publish_version(ctx, OWNER, 1, [1], [], "")
    with pytest.raises(errors.RecordNotInVersionError):
        keeper.publish_version(ctx, OWNER, 1, [], [2], "")


def test_publish_version_rejects_duplicates() -> None:
    keeper, _, ctx = setup()
    accept_all(keeper, ctx, [1, 2])
    with pytest.raises(errors.DuplicateEntryError):
        keeper.publish_version(ctx, OWNER, 1, [1, 1], [], "")


def test_publish_version_rejects_non_curator() -> None:
    keeper, _, ctx = setup()
    accept_all(keeper, ctx, [1])
    with pytest.raises(errors.NotCuratorError):
        keeper.publish_version(ctx, bech(1), 1, [1], [], "")


def test_open_curation_accepts_at_once_and_returns_bond_at_publish() -> None:
    keeper, bank, ctx = setup(2, curation_mode=pb.CURATION_MODE_OPEN)
    assert keeper.require_record(ctx, 1, 1).status == ACCEPTED
    assert bank.module_balance() == 2000
    keeper.review(ctx, OWNER, 1, 2, False, "spam")  # still rejectable before publication
    keeper.publish_version(ctx, OWNER, 1, [1], [], "")
    assert bank.module_balance() == 0
    check(keeper, ctx)


def test_pay_access_credits_the_version_and_grants() -> None:
    keeper, bank, ctx = setup()
    accept_all(keeper, ctx, [1, 2, 3])
    keeper.publish_version(ctx, OWNER, 1, [1, 2, 3], [], "")
    assert not keeper.has_access(ctx, 1, addr(8))
    keeper.pay_access(ctx, addr(8), 1, 1, addr(8))
    assert keeper.get_access(ctx, 1, addr(8)) == "paid:1"
    assert [c for _, _, c in keeper.iter_earnings(ctx, 1, addr(1))] == [300]
    assert keeper.claim(ctx, addr(1), 1, []) == 300
    check(keeper, ctx)


def test_pay_access_rejects_public_datanet() -> None:
    keeper, _, ctx = setup(access_policy=pb.ACCESS_POLICY_PUBLIC)
    with pytest.raises(errors.AccessNotForSaleError):
        keeper.pay_access(ctx, addr(8), 1, 1, addr(8))


def test_pay_access_rejects_price_zero() -> None:
    keeper, _, ctx = setup(access_price="0")
    with pytest.raises(errors.AccessNotForSaleError):
        keeper.pay_access(ctx, addr(8), 1, 1, addr(8))


def test_pay_access_rejects_unknown_version() -> None:
    keeper, _, ctx = setup()
    with pytest.raises(errors.VersionNotFoundError):
        keeper.pay_access(ctx, addr(8), 1, 1, addr(8))


def test_grant_access_rejects_non_owner() -> None:
    keeper, _, ctx = setup()
    with pytest.raises(errors.NotOwnerError):
        keeper.grant_access(ctx, bech(1), 1, addr(8))
    keeper.grant_access(ctx, OWNER, 1, addr(8))
    assert keeper.get_access(ctx, 1, addr(8)) == "granted"


def test_transfer_ownership_and_set_curators_reject_non_owner() -> None:
    keeper, _, ctx = setup()
    with pytest.raises(errors.NotOwnerError):
        keeper.transfer_ownership(ctx, bech(1), 1, bech(1))
    with pytest.raises(errors.NotOwnerError):
        keeper.set_curators(ctx, bech(1), 1, [bech(1)])
    keeper.transfer_ownership(ctx, OWNER, 1, bech(4))
    assert keeper.require_datanet(ctx, 1).owner == bech(4)
    actions = [e.action for e in keeper.iter_history(ctx, 1)]
    assert actions[-1] == "transfer" and actions[0] == "create"


def test_credit_records_is_per_record_and_claimable() -> None:
    keeper, bank, ctx = setup()
    accept_all(keeper, ctx, [1, 2, 3])
    keeper.publish_version(ctx, OWNER, 1, [1, 2, 3], [], "")
    module = bank.accounts.get_module_address("datanet")
    bank.balances[(module, DENOM)] = bank.balances.get((module, DENOM), 0) + 1000
    keeper.credit_records(ctx, 1, 1, [(1, 700), (3, 300)])
    check(keeper, ctx)
    assert keeper.claim(ctx, addr(1), 1, [1]) == 700
    assert keeper.claim(ctx, addr(3), 1, [1]) == 300
    with pytest.raises(errors.NothingToClaimError):
        keeper.claim(ctx, addr(2), 1, [1])
    check(keeper, ctx)


def test_credit_records_rejects_record_outside_version() -> None:
    keeper, _, ctx = setup()
    accept_all(keeper, ctx, [1, 2])
    keeper.publish_version(ctx, OWNER, 1, [1], [], "")
    with pytest.raises(errors.RecordNotInVersionError):
        keeper.credit_records(ctx, 1, 1, [(2, 5)])


def test_edit_metadata_keeps_the_root() -> None:
    keeper, _, ctx = setup()
    accept_all(keeper, ctx, [1])
    v = keeper.publish_version(ctx, OWNER, 1, [1], [], "")
    keeper.edit_metadata(ctx, bech(1), 1, 1, "new")
    assert keeper.require_record(ctx, 1, 1).metadata == "new"
    assert keeper.require_version(ctx, 1, 1).root == v.root
    with pytest.raises(errors.NotContributorError):
        keeper.edit_metadata(ctx, bech(2), 1, 1, "x")
