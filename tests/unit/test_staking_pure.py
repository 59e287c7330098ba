"""Pure staking, distribution and slashing logic: decimals, key builders, share math, gentx
round trip, reward splits."""

from __future__ import annotations

import pytest

from aichain.app.crypto import consensus_address
from aichain.app.dec import ONE, format_dec, parse_dec_text, parse_dec_wire
from aichain.app.errors import InvalidRequestError
from aichain.modules.distribution import deccoins as dc
from aichain.modules.genutil.gentx import build_gentx, gentx_json, gentx_raw
from aichain.modules.mint.types import Params as MintParams
from aichain.modules.mint.types import compute_block_provision
from aichain.modules.slashing.types import Params as SlashingParams
from aichain.modules.staking import keys
from aichain.modules.staking.delegation import compute_issued_shares
from aichain.modules.staking.slash import compute_slash_amount
from aichain.modules.staking.types import Commission, Validator

from ..helpers import make_key

OP1, OP2 = b"\x01" * 20, b"\x02" * 20


def test_decimals_parse_and_format() -> None:
    assert parse_dec_text("0.1") == ONE // 10
    assert parse_dec_text("1") == ONE
    assert format_dec(ONE // 20) == "0.050000000000000000"
    assert parse_dec_wire("100000000000000000") == ONE // 10
    assert parse_dec_wire("0.1") == ONE // 10
    with pytest.raises(InvalidRequestError):
        parse_dec_text("1e-3")


def test_power_index_orders_by_power_then_lower_address_first() -> None:
    entries = sorted(
        [keys.power_index_key(5, OP2), keys.power_index_key(5, OP1), keys.power_index_key(9, OP2)]
    )
    assert [keys.split_power_index_key(k) for k in reversed(entries)] == [
        (9, OP2),
        (5, OP1),
        (5, OP2),
    ]


def test_queue_keys_sort_by_time_and_do_not_collide() -> None:
    a = keys.ubd_queue_key(10, OP1, OP2)
    b = keys.ubd_queue_key(2**40, OP1, OP1)
    assert a < b and keys.queue_time(b) == 2**40
    built = {
        keys.delegation_key(OP1, OP2),
        keys.delegation_by_val_key(OP1, OP2),
        keys.ubd_key(OP1, OP2),
        keys.red_key(OP1, OP2, OP1),
        keys.validator_key(OP1),
        keys.last_power_key(OP1),
    }
    assert len(built) == 6


def test_share_math_truncates_in_favour_of_remaining_delegators() -> None:
    v = Validator(OP1, b"\x00" * 32, Commission(0, 0, 0))
    assert compute_issued_shares(v, 100) == 100 * ONE
    v = v.replace(tokens=99, shares=100 * ONE)  # slashed by 1%
    shares = compute_issued_shares(v, 10)
    assert shares == 100 * ONE * 10 // 99
    assert v.tokens_from_shares(shares) <= 10
    assert compute_slash_amount(100, ONE // 20) == 5 * 10**6


def test_deccoins_truncate_and_min() -> None:
    coins, rest = dc.compute_truncate({"uaic": 5 * ONE + 7})
    assert [(c.denom, c.amount) for c in coins] == [("uaic", 5)] and rest == {"uaic": 7}
    assert dc.compute_min({"a": 5, "b": 1}, {"a": 3}) == {"a": 3}
    assert dc.compute_sub({"a": 5}, {"a": 5}) == {}


def test_block_provision_is_integer() -> None:
    params = MintParams("uaic", ONE * 7 // 100, 1000)
    assert compute_block_provision(10**12, params) == 10**12 * 7 // 100 // 1000


def test_slashing_max_missed() -> None:
    assert SlashingParams(signed_blocks_window=10, min_signed_per_window=ONE // 2).max_missed() == 5


def test_gentx_json_round_trips_to_the_signed_bytes() -> None:
    key = make_key(7)
    raw = build_gentx(key, b"\x05" * 32, "v", 10**6, "chain")
    assert gentx_raw(gentx_json(raw)) == raw
    assert len(consensus_address(b"\x05" * 32)) == 20
