"""Coverage-guided fuzzing of txs into CheckTx and FinalizeBlock with atheris (libFuzzer).

The same chain and oracles as test_fuzz_txs.py (`chain.judge`): no exception escapes, every
refusal carries a registered (codespace, code), and state changes only as a refusal may
(nothing, or the fee and sequence). An input is one of

- byte 0 even: the rest is tx bytes as they come (the corpus starts with every seed message
  signed, so libFuzzer's mutations of valid txs come first);
- byte 0 odd: byte 1 picks a seed message's type, the rest becomes its serialized body, and
  the tx is signed by ALICE, so arbitrary message bytes get past the ante chain into the
  modules' decoders, stateless checks and handlers.

The chain's code (aichain.app, aichain.modules) is instrumented for coverage. Run it long:

    .venv/bin/python tests/fuzz/atheris_txs.py -max_total_time=600 /tmp/tx-corpus

(libFuzzer's flags; a crash writes the input that caused it as crash-<sha1> in the working
directory, replay it with `atheris_txs.py crash-<sha1>`). CI runs a few hundred inputs
(tests/fuzz/test_atheris_txs.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

with atheris.instrument_imports(include=["aichain.app", "aichain.modules"]):
    from cosmos.tx.v1beta1 import tx_pb2
    from google.protobuf import any_pb2

    from aichain.app.tx import sign_doc_bytes
    from tests.fuzz.chain import ALICE, judge, seed_ai_state, sign, start
    from tests.fuzz.test_fuzz_txs import valid_msgs

CHAIN = start()
seed_ai_state(CHAIN)
SEEDS = valid_msgs()
TEMPLATE = tx_pb2.TxRaw.FromString(sign(CHAIN, ALICE, [SEEDS[0]]))
NUMBER = CHAIN.account(ALICE.address).account_number


def signed_with_body(index: int, value: bytes) -> bytes:
    """A tx signed by ALICE carrying one message of seed `index`'s type with body `value`."""
    seed = SEEDS[index % len(SEEDS)]
    message = any_pb2.Any(type_url="/" + seed.DESCRIPTOR.full_name, value=value)
    body = tx_pb2.TxBody(messages=[message]).SerializeToString()
    doc = sign_doc_bytes(body, TEMPLATE.auth_info_bytes, CHAIN.app.chain_id, NUMBER)
    return tx_pb2.TxRaw(
        body_bytes=body, auth_info_bytes=TEMPLATE.auth_info_bytes, signatures=[ALICE.sign(doc)]
    ).SerializeToString()


def test_one_input(data: bytes) -> None:
    """libFuzzer's entry point: one input through the oracles (an AssertionError or any other
    exception is a finding)."""
    if len(data) < 2 or data[0] % 2 == 0:
        judge(CHAIN, data[1:], ALICE)  # only ALICE's signature can survive a mutation
    else:
        judge(CHAIN, signed_with_body(data[1], data[2:]), ALICE)


def seed_corpus(directory: Path) -> None:
    """Writes every seed message as both kinds of input into directory."""
    directory.mkdir(parents=True, exist_ok=True)
    for i, msg in enumerate(SEEDS):
        (directory / f"seed-tx-{i}").write_bytes(b"\x00" + sign(CHAIN, ALICE, [msg]))
        (directory / f"seed-body-{i}").write_bytes(bytes([1, i]) + msg.SerializeToString())


def main(argv: list[str]) -> None:
    """`--seed-corpus DIR` writes the seeds into DIR first; the other arguments are
    libFuzzer's."""
    if "--seed-corpus" in argv:
        at = argv.index("--seed-corpus")
        seed_corpus(Path(argv[at + 1]))
        argv = argv[:at] + argv[at + 2 :]
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
