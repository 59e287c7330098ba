"""How the walkthrough prints a record's share of an answer."""

from __future__ import annotations

import pytest

from aichain.client.walkthrough import format_ppm, split_answer


@pytest.mark.parametrize(
    ("ppm", "shown"),
    [
        (1_000_000, "100.0%"),
        (963_540, "96.4%"),
        (1_000, "0.1%"),
        (999, "0.10%"),
        (300, "0.03%"),
        (100, "0.01%"),
        (99, "<0.01%"),
        (1, "<0.01%"),
        (0, "0.0%"),
    ],
)
def test_shares_stay_readable_down_to_one_ppm(ppm: int, shown: str) -> None:
    assert format_ppm(ppm) == shown


@pytest.mark.parametrize(
    ("text", "fact", "rest"),
    [
        ("pepper-revo. Q: what is the sim", "pepper-revo.", "Q: what is the sim"),
        ("nebula-jolote.", "nebula-jolote.", ""),
        ("3.5 units? yes", "3.5 units?", "yes"),
        ("no sentence end here", "no sentence end here", ""),
        ("", "", ""),
    ],
)
def test_an_answer_is_its_first_sentence_and_what_ran_on(text: str, fact: str, rest: str) -> None:
    assert split_answer(text) == (fact, rest)


def _answer(fee: int, data: int, worker: int) -> dict:
    records = [{"datanet_id": 1, "version": 1, "record_id": 3, "weight_ppm": 600_000},
               {"datanet_id": 1, "version": 1, "record_id": 5, "weight_ppm": 400_000}]  # fmt: skip
    payouts = [{"role": "data", "amount": str(data * 3 // 5)},
               {"role": "data", "amount": str(data - data * 3 // 5)},
               {"role": "worker", "amount": str(worker)}]  # fmt: skip
    return {"fee": str(fee), "records": records, "payouts": payouts}


def test_the_split_check_uses_the_chains_rule_and_refuses_another(tmp_path) -> None:  # noqa: ANN001
    from google.protobuf import json_format

    from aichain.client.walkthrough import Env, Walkthrough, WalkthroughError
    from aichain.modules.attribution.types import Params

    params = json_format.MessageToDict(
        Params(worker_bps=1_000, data_bps=6_000).to_proto(), preserving_proto_field_name=True
    )
    said: list[str] = []
    walk = Walkthrough(Env(home=tmp_path, chain_id="c", work=tmp_path, echo=said.append))
    walk.check_split(_answer(2_000_001, 1_200_000, 200_000), params)
    assert said == ["   paid by the new split: data 1,200,000 of the 2,000,001 uaic fee (60%), "
                    "worker 200,000 (10%)"]  # fmt: skip
    with pytest.raises(WalkthroughError, match="paid data 1,000,000 .* gives 1,200,000"):
        walk.check_split(_answer(2_000_000, 1_000_000, 200_000), params)
