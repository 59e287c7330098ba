"""`aichain tx gov` / `aichain query gov` (modules/gov/cli.py) and proposal files: a malformed
file is refused with a message naming the field and its line; drafts parse back; the vote
option parsers; --generate-only builds MsgSubmitProposal without a node."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from cosmos.bank.v1beta1 import tx_pb2 as bank_tx

from aichain.app.authority import default_authority
from aichain.app.crypto import PrivateKey, account_address
from aichain.cli.main import cli
from aichain.modules.gov.cli import parse_option, parse_weighted_options
from aichain.modules.gov.proposal_file import (
    ProposalFileError,
    draft,
    governable,
    locate_lines,
    message_routes,
    parse_proposal_file,
)

GOV = default_authority()
ROUTES = message_routes()

GOOD = f"""{{
  "messages": [
    {{
      "@type": "/cosmos.bank.v1beta1.MsgUpdateParams",
      "authority": "{GOV}",
      "params": {{
        "send_enabled": [],
        "default_send_enabled": false
      }}
    }}
  ],
  "metadata": "",
  "deposit": "10000000uaic",
  "title": "Pause sends",
  "summary": "Sends off while we upgrade",
  "expedited": false
}}
"""


def run(*args: str) -> Result:
    """Invokes `aichain ARGS`."""
    return CliRunner().invoke(cli, list(args))


def test_a_good_file_parses_into_packed_messages() -> None:
    parsed = parse_proposal_file(GOOD, ROUTES)
    [packed] = parsed.messages
    assert packed.type_url == "/cosmos.bank.v1beta1.MsgUpdateParams"
    msg = bank_tx.MsgUpdateParams.FromString(packed.value)
    assert msg.authority == GOV and msg.params.default_send_enabled is False
    assert (parsed.title, parsed.deposit, parsed.track) == (
        "Pause sends",
        "10000000uaic",
        "standard",
    )


def test_locate_lines_finds_every_key() -> None:
    lines = locate_lines(GOOD)
    assert lines[("messages", 0, "params", "default_send_enabled")] == 8
    assert lines[("title",)] == 14


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('"title": "Pause sends"', '"tittle": "Pause sends"', r"tittle \(line 14\): unknown field"),
        (
            '"default_send_enabled": false',
            '"default_send_enabled": "maybe"',
            r"messages\[0\]\.params\.default_send_enabled \(line 8\)",
        ),
        (
            '"default_send_enabled": false',
            '"send_when": false',
            r"messages\[0\]\.params\.send_when \(line 8\): unknown field 'send_when'",
        ),
        (
            '"/cosmos.bank.v1beta1.MsgUpdateParams"',
            '"/cosmos.bank.v1beta1.MsgNope"',
            r"messages\[0\]\.@type \(line 4\): unknown message type",
        ),
        ('"10000000uaic"', '"ten aic"', r"deposit \(line 13\): invalid coin expression"),
        ('"Sends off while we upgrade"', '""', r"summary \(line 15\): is required"),
        (
            '"expedited": false',
            '"expedited": "no"',
            r"expedited \(line 16\): must be true or false",
        ),
        ('"expedited": false', '"track": "fast"', r"track \(line 16\): must be one of"),
        ('"send_enabled": [],', '"send_enabled": [,', r"line 7, column 26: Expecting value"),
    ],
)
def test_a_malformed_file_names_the_field_and_line(old: str, new: str, expected: str) -> None:
    assert old in GOOD
    with pytest.raises(ProposalFileError, match=expected):
        parse_proposal_file(GOOD.replace(old, new), ROUTES)


def test_an_empty_proposal_is_refused() -> None:
    empty = '{\n  "messages": [],\n  "title": "t",\n  "summary": "s"\n}'
    with pytest.raises(ProposalFileError, match=r"messages \(line 2\): a proposal needs messages"):
        parse_proposal_file(empty, ROUTES)


def test_a_draft_for_each_governable_message_parses_back() -> None:
    urls = governable(ROUTES)
    assert "/cosmos.distribution.v1beta1.MsgCommunityPoolSpend" in urls
    assert "/cosmos.gov.v1.MsgUpdateParams" in urls and "/cosmos.bank.v1beta1.MsgSend" not in urls
    for url in [*urls, None]:
        template = draft(url, ROUTES, GOV)
        template.update(title="t", summary="s")
        parsed = parse_proposal_file(json.dumps(template, indent=2), ROUTES)
        assert [m.type_url for m in parsed.messages] == ([url] if url else [])


def test_vote_option_parsers() -> None:
    assert [
        parse_option(t) for t in ("yes", "ABSTAIN", "no", "no-with-veto", "VOTE_OPTION_NO")
    ] == [1, 2, 3, 4, 3]
    assert parse_weighted_options("yes=0.6,no_with_veto=0.4") == [(1, "0.6"), (4, "0.4")]
    with pytest.raises(click.BadParameter):
        parse_option("maybe")
    with pytest.raises(click.BadParameter):
        parse_weighted_options("yes")


def test_submit_proposal_generate_only_builds_the_message(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(GOOD.replace('"expedited": false', '"expedited": false,\n  "track": "model"'))
    sender = account_address(PrivateKey.generate().address)
    result = run(
        "tx",
        "gov",
        "submit-proposal",
        sender,
        str(path),
        "--generate-only",
        "--home",
        str(tmp_path),
    )
    assert result.exit_code == 0, result.output
    [msg] = json.loads(result.stdout)["body"]["messages"]
    assert msg["@type"] == "/aichain.gov.v1.MsgSubmitModelProposal"
    assert msg["proposer"] == sender and msg["title"] == "Pause sends"
    assert msg["messages"][0]["@type"] == "/cosmos.bank.v1beta1.MsgUpdateParams"
    assert msg["initial_deposit"] == [{"denom": "uaic", "amount": "10000000"}]


def test_submit_proposal_refuses_a_malformed_file_before_anything_else(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(GOOD.replace('"title"', '"tittle"'))
    sender = account_address(PrivateKey.generate().address)
    result = run(
        "tx",
        "gov",
        "submit-proposal",
        sender,
        str(path),
        "--generate-only",
        "--home",
        str(tmp_path),
    )
    assert result.exit_code != 0
    assert "tittle (line 14): unknown field" in result.output


def test_vote_and_weighted_vote_generate_only(tmp_path: Path) -> None:
    voter = account_address(PrivateKey.generate().address)
    result = run(
        "tx",
        "gov",
        "weighted-vote",
        voter,
        "3",
        "yes=0.7,no=0.3",
        "--generate-only",
        "--home",
        str(tmp_path),
    )
    assert result.exit_code == 0, result.output
    [msg] = json.loads(result.stdout)["body"]["messages"]
    assert msg["@type"] == "/cosmos.gov.v1.MsgVoteWeighted" and msg["proposal_id"] == "3"
    assert [o["option"] for o in msg["options"]] == ["VOTE_OPTION_YES", "VOTE_OPTION_NO"]
    bad = run(
        "tx", "gov", "vote", voter, "3", "perhaps", "--generate-only", "--home", str(tmp_path)
    )
    assert bad.exit_code == 2 and "not a vote option" in bad.output


def test_draft_proposal_lists_and_writes(tmp_path: Path) -> None:
    listed = run("tx", "gov", "draft-proposal")
    assert listed.exit_code == 0 and "/cosmos.staking.v1beta1.MsgUpdateParams" in listed.output
    out = tmp_path / "draft.json"
    written = run(
        "tx",
        "gov",
        "draft-proposal",
        "--type",
        "/cosmos.staking.v1beta1.MsgUpdateParams",
        "--output-file",
        str(out),
    )
    assert written.exit_code == 0, written.output
    template = json.loads(out.read_text())
    assert template["messages"][0]["authority"] == GOV
    assert "unbonding_time" in template["messages"][0]["params"]


@pytest.mark.parametrize(
    "url",
    [
        "/aichain.datanet.v1.MsgUpdateCurators",
        "/aichain.modelreg.v1.MsgSetPriceBounds",
        "/aichain.modelreg.v1.MsgRankModels",
    ],
)
def test_draft_proposal_offers_the_model_track_and_curator_decisions(
    tmp_path: Path, url: str
) -> None:
    listed = run("tx", "gov", "draft-proposal")
    assert listed.exit_code == 0 and url in listed.output
    out = tmp_path / "draft.json"
    written = run("tx", "gov", "draft-proposal", "--type", url, "--output-file", str(out))
    assert written.exit_code == 0, written.output
    [message] = json.loads(out.read_text())["messages"]
    assert (message["@type"], message["authority"]) == (url, GOV)
