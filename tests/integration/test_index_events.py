"""index-events: which event attributes CometBFT's tx index keeps (app.toml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aichain.app.baseapp import AppConfig
from aichain.config.app_config import DEFAULT_INDEX_EVENTS, AppToml, read_app_toml, write_app_toml
from tests.helpers import Chain, make_key

ALICE, BOB = make_key(61), make_key(62)


def indexed_of(config: AppConfig) -> dict[str, bool]:
    chain = Chain.start([(ALICE, 10**9)], config)
    result = chain.block([chain.send_tx(ALICE, BOB.address, 5)]).tx_results[0]
    assert result.code == 0
    return {f"{e.type}.{a.key}": a.index for e in result.events for a in e.attributes}


def test_the_default_indexes_what_finds_a_tx_and_nothing_else() -> None:
    flags = indexed_of(AppToml().to_app_config())
    for attribute in ("message.sender", "message.action", "transfer.recipient", "tx.acc_seq"):
        assert flags[attribute] is True, attribute
    assert flags["tx.signature"] is False
    assert flags["coin_spent.amount"] is False
    assert {a for a, on in flags.items() if on} <= set(DEFAULT_INDEX_EVENTS)


def test_an_empty_list_indexes_every_attribute() -> None:
    assert all(indexed_of(AppConfig(index_events=())).values())


def test_index_events_round_trips_through_app_toml(tmp_path: Path) -> None:
    path = tmp_path / "app.toml"
    write_app_toml(path, AppToml(index_events=("message.sender",)))
    assert read_app_toml(path).index_events == ("message.sender",)
    write_app_toml(path, AppToml(index_events=()))
    assert read_app_toml(path).index_events == ()


@pytest.mark.parametrize("bad", ['index-events = "message.sender"', 'index-events = ["sender"]'])
def test_read_app_toml_rejects_malformed_index_events(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "app.toml"
    path.write_text(bad + "\n")
    with pytest.raises(ValueError, match="index-events"):
        read_app_toml(path)
