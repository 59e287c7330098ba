"""`aichain tx gov ...` and `aichain query gov ...` (cosmos.gov.v1, and aichain.gov.v1 for the
model-vote track), and governance's message builders.

Click commands only: parse, build the message, hand it to the shared broadcaster. Protobuf
and the app load inside the functions, so listing commands stays fast.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from aichain.cli.common import TxFlags, ask, broadcast, emit, fail, query_options, tx_options

if TYPE_CHECKING:
    from google.protobuf.any_pb2 import Any as AnyMsg
    from google.protobuf.message import Message

    from aichain.app.coins import Coin

OPTION_NAMES = {"yes": 1, "abstain": 2, "no": 3, "no_with_veto": 4}
"""Vote options as the CLI takes them (VOTE_OPTION_YES and the like are accepted too)."""


def parse_option(text: str) -> int:
    """A vote option from yes / abstain / no / no_with_veto (or VOTE_OPTION_*). Raises
    click.BadParameter."""
    name = text.strip().lower().removeprefix("vote_option_").replace("-", "_")
    if name not in OPTION_NAMES:
        raise click.BadParameter(
            f"{text!r} is not a vote option: use yes, abstain, no or no_with_veto"
        )
    return OPTION_NAMES[name]


def parse_weighted_options(text: str) -> list[tuple[int, str]]:
    """'yes=0.6,no=0.4' as (option, weight text) pairs. Raises click.BadParameter."""
    pairs = []
    for part in text.split(","):
        name, sep, weight = part.partition("=")
        if not sep or not weight.strip():
            raise click.BadParameter(f"{part!r}: write OPTION=WEIGHT, e.g. yes=0.6,no=0.4")
        pairs.append((parse_option(name), weight.strip()))
    return pairs


# --- message builders ------------------------------------------------------------------------


def msg_submit_proposal(
    proposer: str,
    messages: Sequence[AnyMsg],
    deposit: Sequence[Coin],
    title: str,
    summary: str,
    metadata: str = "",
    expedited: bool = False,
    model: bool = False,
) -> Message:
    """A cosmos.gov.v1.MsgSubmitProposal (model: aichain.gov.v1.MsgSubmitModelProposal)."""
    from cosmos.gov.v1 import tx_pb2 as gov_tx

    from aichain.client.txbuilder import coins_proto
    from aichain.gov.v1 import tx_pb2 as aic_tx

    cls = aic_tx.MsgSubmitModelProposal if model else gov_tx.MsgSubmitProposal
    return cls(
        messages=list(messages),
        initial_deposit=coins_proto(deposit),
        proposer=proposer,
        metadata=metadata,
        title=title,
        summary=summary,
        expedited=expedited,
    )


def msg_deposit(depositor: str, proposal_id: int, amount: Sequence[Coin]) -> Message:
    """A cosmos.gov.v1.MsgDeposit."""
    from cosmos.gov.v1 import tx_pb2 as gov_tx

    from aichain.client.txbuilder import coins_proto

    return gov_tx.MsgDeposit(
        proposal_id=proposal_id, depositor=depositor, amount=coins_proto(amount)
    )


def msg_vote(voter: str, proposal_id: int, option: int, metadata: str = "") -> Message:
    """A cosmos.gov.v1.MsgVote (option 1 yes, 2 abstain, 3 no, 4 no_with_veto)."""
    from cosmos.gov.v1 import tx_pb2 as gov_tx

    return gov_tx.MsgVote(
        proposal_id=proposal_id,
        voter=voter,
        option=option,  # type: ignore[arg-type]
        metadata=metadata,
    )


def msg_vote_weighted(
    voter: str, proposal_id: int, options: Sequence[tuple[int, str]], metadata: str = ""
) -> Message:
    """A cosmos.gov.v1.MsgVoteWeighted ((option, weight text) pairs)."""
    from cosmos.gov.v1 import gov_pb2
    from cosmos.gov.v1 import tx_pb2 as gov_tx

    return gov_tx.MsgVoteWeighted(
        proposal_id=proposal_id,
        voter=voter,
        options=[gov_pb2.WeightedVoteOption(option=o, weight=w) for o, w in options],  # type: ignore[arg-type]
        metadata=metadata,
    )


def msg_cancel_proposal(proposer: str, proposal_id: int) -> Message:
    """A cosmos.gov.v1.MsgCancelProposal."""
    from cosmos.gov.v1 import tx_pb2 as gov_tx

    return gov_tx.MsgCancelProposal(proposal_id=proposal_id, proposer=proposer)


def msg_claim_participation_reward(voter: str, proposal_id: int) -> Message:
    """An aichain.gov.v1.MsgClaimParticipationReward."""
    from aichain.gov.v1 import tx_pb2 as aic_tx

    return aic_tx.MsgClaimParticipationReward(voter=voter, proposal_id=proposal_id)


def msg_fund_participation_pool(depositor: str, amount: Sequence[Coin]) -> Message:
    """An aichain.gov.v1.MsgFundParticipationPool."""
    from aichain.client.txbuilder import coins_proto
    from aichain.gov.v1 import tx_pb2 as aic_tx

    return aic_tx.MsgFundParticipationPool(depositor=depositor, amount=coins_proto(amount))


def _coins(text: str, param: str) -> tuple[Coin, ...]:
    """Coins from text like 1000uaic (a click error otherwise)."""
    from aichain.app.coins import parse_coins
    from aichain.app.errors import AppError

    try:
        coins = parse_coins(text)
    except AppError as exc:
        raise click.BadParameter(str(exc), param_hint=param) from None
    if not coins:
        raise click.BadParameter("give a positive amount, e.g. 1000000uaic", param_hint=param)
    return coins


# --- tx gov ----------------------------------------------------------------------------------


@click.group("gov")
def tx_gov() -> None:
    """Governance transactions (cosmos.gov.v1; the model-vote track: aichain.gov.v1)."""


@tx_gov.command("submit-proposal")
@click.argument("from_key")
@click.argument("proposal_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@tx_options
def submit_proposal(from_key: str, proposal_file: Path, tx: TxFlags) -> None:
    """Submit the proposal in PROPOSAL_FILE (JSON), signed by FROM_KEY.

    \b
    The file (write one with `aichain tx gov draft-proposal`):
      {"messages": [{"@type": "/cosmos.bank.v1beta1.MsgUpdateParams", "authority": "aic1...",
                     "params": {...}}],
       "metadata": "", "deposit": "10000000uaic", "title": "...", "summary": "...",
       "expedited": false, "track": "standard"}
    "track": "model" puts it on the model-vote track, whose voters earn a participation reward.
    """
    from aichain.app.coins import parse_coins
    from aichain.app.crypto import account_address
    from aichain.modules.gov.proposal_file import (
        ProposalFileError,
        message_routes,
        parse_proposal_file,
    )

    try:
        parsed = parse_proposal_file(proposal_file.read_text(), message_routes())
    except ProposalFileError as exc:
        fail(f"{proposal_file}: {exc}")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{proposal_file}: {exc}")
    deposit = parse_coins(parsed.deposit)
    broadcast(
        from_key,
        lambda a: [
            msg_submit_proposal(
                account_address(a),
                parsed.messages,
                deposit,
                parsed.title,
                parsed.summary,
                parsed.metadata,
                parsed.expedited,
                parsed.track == "model",
            )
        ],
        f"submit proposal {parsed.title!r} with a deposit of {parsed.deposit or 'nothing'}",
        tx,
    )


@tx_gov.command("draft-proposal")
@click.option(
    "--type",
    "type_url",
    default=None,
    help="Type URL of the message the proposal executes (e.g. "
    "/cosmos.bank.v1beta1.MsgUpdateParams), or 'text' for a text proposal; without it, the "
    "messages governance can execute are listed.",
)
@click.option(
    "--output-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("draft_proposal.json"),
    show_default=True,
    help="Where to write the template.",
)
@tx_options
def draft_proposal(type_url: str | None, output_file: Path, tx: TxFlags) -> None:
    """Write a proposal file template for a chosen message (fill it in, then submit it).

    Nothing is signed or broadcast; like simd's, the command takes the shared tx flags."""
    from aichain.app.authority import default_authority
    from aichain.modules.gov.proposal_file import draft, governable, message_routes

    routes = message_routes()
    if type_url is None:
        click.echo("Messages a proposal can execute (pick one with --type, or --type text):")
        for url in governable(routes):
            click.echo(f"  {url}")
        return
    if type_url != "text" and type_url not in routes:
        fail(f"unknown message type {type_url}; run without --type for the list")
    template = draft(None if type_url == "text" else type_url, routes, default_authority())
    output_file.write_text(json.dumps(template, indent=2) + "\n")
    click.echo(f"wrote {output_file}: fill in title, summary, deposit and the message's fields")


@tx_gov.command("deposit")
@click.argument("from_key")
@click.argument("proposal_id", type=click.IntRange(min=1))
@click.argument("amount")
@tx_options
def deposit(from_key: str, proposal_id: int, amount: str, tx: TxFlags) -> None:
    """Deposit AMOUNT (e.g. 10000000uaic) on proposal PROPOSAL_ID."""
    from aichain.app.crypto import account_address

    coins = _coins(amount, "AMOUNT")
    broadcast(
        from_key,
        lambda a: [msg_deposit(account_address(a), proposal_id, coins)],
        f"deposit {amount} on proposal {proposal_id}",
        tx,
    )


@tx_gov.command("vote")
@click.argument("from_key")
@click.argument("proposal_id", type=click.IntRange(min=1))
@click.argument("option")
@click.option("--metadata", default="", help="Note stored with the vote.")
@tx_options
def vote(from_key: str, proposal_id: int, option: str, metadata: str, tx: TxFlags) -> None:
    """Vote OPTION (yes, abstain, no, no_with_veto) on proposal PROPOSAL_ID."""
    from aichain.app.crypto import account_address

    chosen = parse_option(option)
    broadcast(
        from_key,
        lambda a: [msg_vote(account_address(a), proposal_id, chosen, metadata)],
        f"vote {option} on proposal {proposal_id}",
        tx,
    )


@tx_gov.command("weighted-vote")
@click.argument("from_key")
@click.argument("proposal_id", type=click.IntRange(min=1))
@click.argument("options")
@click.option("--metadata", default="", help="Note stored with the vote.")
@tx_options
def weighted_vote(
    from_key: str, proposal_id: int, options: str, metadata: str, tx: TxFlags
) -> None:
    """Split a vote on PROPOSAL_ID: OPTIONS like yes=0.6,no=0.4 (weights sum to 1)."""
    from aichain.app.crypto import account_address

    pairs = parse_weighted_options(options)
    broadcast(
        from_key,
        lambda a: [msg_vote_weighted(account_address(a), proposal_id, pairs, metadata)],
        f"vote {options} on proposal {proposal_id}",
        tx,
    )


@tx_gov.command("cancel-proposal")
@click.argument("from_key")
@click.argument("proposal_id", type=click.IntRange(min=1))
@tx_options
def cancel_proposal(from_key: str, proposal_id: int, tx: TxFlags) -> None:
    """Cancel proposal PROPOSAL_ID (its proposer only, before voting ends; a share of the
    deposits is burned, the proposal_cancel_ratio param)."""
    from aichain.app.crypto import account_address

    broadcast(
        from_key,
        lambda a: [msg_cancel_proposal(account_address(a), proposal_id)],
        f"cancel proposal {proposal_id}",
        tx,
    )


@tx_gov.command("claim-reward")
@click.argument("from_key")
@click.argument("proposal_id", type=click.IntRange(min=1))
@tx_options
def claim_reward(from_key: str, proposal_id: int, tx: TxFlags) -> None:
    """Claim FROM_KEY's participation reward for voting on model proposal PROPOSAL_ID."""
    from aichain.app.crypto import account_address

    broadcast(
        from_key,
        lambda a: [msg_claim_participation_reward(account_address(a), proposal_id)],
        f"claim the participation reward of proposal {proposal_id}",
        tx,
    )


@tx_gov.command("fund-participation-pool")
@click.argument("from_key")
@click.argument("amount")
@tx_options
def fund_participation_pool(from_key: str, amount: str, tx: TxFlags) -> None:
    """Add AMOUNT to the pool that rewards voters on model proposals."""
    from aichain.app.crypto import account_address

    coins = _coins(amount, "AMOUNT")
    broadcast(
        from_key,
        lambda a: [msg_fund_participation_pool(account_address(a), coins)],
        f"fund the participation pool with {amount}",
        tx,
    )


# --- query gov -------------------------------------------------------------------------------

STATUSES = ("deposit_period", "voting_period", "passed", "rejected", "failed")
"""The statuses `query gov proposals --status` takes."""


@click.group("gov")
def query_gov() -> None:
    """Governance queries (cosmos.gov.v1.Query; aichain.gov.v1.Query for the model track)."""


def _load_message_types() -> None:
    """Imports every message type the chain routes, so the messages packed in proposals print
    as JSON."""
    from aichain.modules.gov.proposal_file import message_routes

    message_routes()


def _proposal_line(p: dict[str, Any]) -> str:
    status = p.get("status", "").removeprefix("PROPOSAL_STATUS_").lower()
    return f"{p.get('id')}  {status}  {p.get('title', '')}"


@query_gov.command("proposals")
@click.option("--status", type=click.Choice(STATUSES), default=None, help="Only this status.")
@click.option("--voter", default=None, help="Only proposals this address voted on.")
@click.option("--depositor", default=None, help="Only proposals this address deposited on.")
@click.option("--limit", type=click.IntRange(min=1, max=1000), default=100, show_default=True)
@click.option("--reverse", is_flag=True, help="Newest first.")
@query_options
def proposals(
    status: str | None,
    voter: str | None,
    depositor: str | None,
    limit: int,
    reverse: bool,
    node: str | None,
    home: Path,
    output: str,
) -> None:
    """Proposals by id (filtered by status, voter or depositor)."""
    from cosmos.base.query.v1beta1 import pagination_pb2
    from cosmos.gov.v1 import gov_pb2
    from cosmos.gov.v1 import query_pb2 as q

    request = q.QueryProposalsRequest(
        proposal_status=gov_pb2.ProposalStatus.Value(f"PROPOSAL_STATUS_{status.upper()}")
        if status
        else 0,
        voter=voter or "",
        depositor=depositor or "",
        pagination=pagination_pb2.PageRequest(limit=limit, reverse=reverse),
    )
    _load_message_types()
    data = ask(node, home, "/cosmos.gov.v1.Query/Proposals", request, q.QueryProposalsResponse)
    data.setdefault("proposals", [])
    emit(data, output, lambda d: "\n".join(map(_proposal_line, d["proposals"])) or "(none)")


@query_gov.command("proposal")
@click.argument("proposal_id", type=click.IntRange(min=1))
@query_options
def proposal(proposal_id: int, node: str | None, home: Path, output: str) -> None:
    """One proposal."""
    from cosmos.gov.v1 import query_pb2 as q

    _load_message_types()
    emit(
        ask(
            node,
            home,
            "/cosmos.gov.v1.Query/Proposal",
            q.QueryProposalRequest(proposal_id=proposal_id),
            q.QueryProposalResponse,
        ),
        output,
    )


@query_gov.command("votes")
@click.argument("proposal_id", type=click.IntRange(min=1))
@click.option("--limit", type=click.IntRange(min=1, max=1000), default=100, show_default=True)
@query_options
def votes(proposal_id: int, limit: int, node: str | None, home: Path, output: str) -> None:
    """The votes on a proposal (kept until it is tallied, as in the Cosmos SDK)."""
    from cosmos.base.query.v1beta1 import pagination_pb2
    from cosmos.gov.v1 import query_pb2 as q

    request = q.QueryVotesRequest(
        proposal_id=proposal_id, pagination=pagination_pb2.PageRequest(limit=limit)
    )
    emit(ask(node, home, "/cosmos.gov.v1.Query/Votes", request, q.QueryVotesResponse), output)


@query_gov.command("vote")
@click.argument("proposal_id", type=click.IntRange(min=1))
@click.argument("voter")
@query_options
def vote_query(proposal_id: int, voter: str, node: str | None, home: Path, output: str) -> None:
    """VOTER's vote on a proposal."""
    from cosmos.gov.v1 import query_pb2 as q

    request = q.QueryVoteRequest(proposal_id=proposal_id, voter=voter)
    emit(ask(node, home, "/cosmos.gov.v1.Query/Vote", request, q.QueryVoteResponse), output)


@query_gov.command("deposits")
@click.argument("proposal_id", type=click.IntRange(min=1))
@query_options
def deposits(proposal_id: int, node: str | None, home: Path, output: str) -> None:
    """The deposits on a proposal."""
    from cosmos.gov.v1 import query_pb2 as q

    request = q.QueryDepositsRequest(proposal_id=proposal_id)
    emit(ask(node, home, "/cosmos.gov.v1.Query/Deposits", request, q.QueryDepositsResponse), output)


@query_gov.command("deposit")
@click.argument("proposal_id", type=click.IntRange(min=1))
@click.argument("depositor")
@query_options
def deposit_query(
    proposal_id: int, depositor: str, node: str | None, home: Path, output: str
) -> None:
    """DEPOSITOR's deposit on a proposal."""
    from cosmos.gov.v1 import query_pb2 as q

    request = q.QueryDepositRequest(proposal_id=proposal_id, depositor=depositor)
    emit(ask(node, home, "/cosmos.gov.v1.Query/Deposit", request, q.QueryDepositResponse), output)


@query_gov.command("tally")
@click.argument("proposal_id", type=click.IntRange(min=1))
@query_options
def tally(proposal_id: int, node: str | None, home: Path, output: str) -> None:
    """The tally of a proposal: so far while voting, final once decided."""
    from cosmos.gov.v1 import query_pb2 as q

    request = q.QueryTallyResultRequest(proposal_id=proposal_id)
    emit(
        ask(node, home, "/cosmos.gov.v1.Query/TallyResult", request, q.QueryTallyResultResponse),
        output,
    )


@query_gov.command("params")
@query_options
def params(node: str | None, home: Path, output: str) -> None:
    """Governance params (cosmos.gov.v1) and the model-vote track's (aichain.gov.v1)."""
    from cosmos.gov.v1 import query_pb2 as q

    from aichain.gov.v1 import query_pb2 as aq

    data = ask(
        node, home, "/cosmos.gov.v1.Query/Params", q.QueryParamsRequest(), q.QueryParamsResponse
    )
    model = ask(
        node, home, "/aichain.gov.v1.Query/Params", aq.QueryParamsRequest(), aq.QueryParamsResponse
    )
    emit({"params": data.get("params", {}), "model_track": model.get("params", {})}, output)


@query_gov.command("participation")
@click.argument("proposal_id", type=click.IntRange(min=1))
@click.argument("voter", required=False)
@query_options
def participation(
    proposal_id: int, voter: str | None, node: str | None, home: Path, output: str
) -> None:
    """A model proposal's participation record, or VOTER's share of its reward."""
    from aichain.gov.v1 import query_pb2 as aq

    if voter:
        request: Any = aq.QueryParticipationRewardRequest(proposal_id=proposal_id, voter=voter)
        emit(
            ask(
                node,
                home,
                "/aichain.gov.v1.Query/ParticipationReward",
                request,
                aq.QueryParticipationRewardResponse,
            ),
            output,
        )
        return
    request = aq.QueryModelProposalRequest(proposal_id=proposal_id)
    emit(
        ask(
            node,
            home,
            "/aichain.gov.v1.Query/ModelProposal",
            request,
            aq.QueryModelProposalResponse,
        ),
        output,
    )


@query_gov.command("participation-pool")
@query_options
def participation_pool(node: str | None, home: Path, output: str) -> None:
    """The participation pool: balance, allocated to voters, available."""
    from aichain.gov.v1 import query_pb2 as aq

    emit(
        ask(
            node,
            home,
            "/aichain.gov.v1.Query/ParticipationPool",
            aq.QueryParticipationPoolRequest(),
            aq.QueryParticipationPoolResponse,
        ),
        output,
    )


def tx_command() -> click.Group:
    """`aichain tx gov`."""
    return tx_gov


def query_command() -> click.Group:
    """`aichain query gov`."""
    return query_gov
