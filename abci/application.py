"""The Application protocol the server drives, and a BaseApplication with safe defaults.

One synchronous method per ABCI request kind; each takes `tendermint.abci.RequestX` and
returns `tendermint.abci.ResponseX`. Echo and Flush are answered by the server itself.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import tendermint.abci.types_pb2 as abci_pb


@runtime_checkable
class Application(Protocol):
    """What the ABCI server needs from an application."""

    def info(self, req: abci_pb.RequestInfo) -> abci_pb.ResponseInfo:
        """Report the last committed height and app hash (CometBFT's handshake)."""
        ...

    def init_chain(self, req: abci_pb.RequestInitChain) -> abci_pb.ResponseInitChain:
        """Apply genesis."""
        ...

    def query(self, req: abci_pb.RequestQuery) -> abci_pb.ResponseQuery:
        """Answer a read-only query against committed state."""
        ...

    def check_tx(self, req: abci_pb.RequestCheckTx) -> abci_pb.ResponseCheckTx:
        """Decide whether a transaction may enter the mempool."""
        ...

    def prepare_proposal(
        self, req: abci_pb.RequestPrepareProposal
    ) -> abci_pb.ResponsePrepareProposal:
        """Choose the transactions of a block this node proposes."""
        ...

    def process_proposal(
        self, req: abci_pb.RequestProcessProposal
    ) -> abci_pb.ResponseProcessProposal:
        """Accept or reject a proposed block."""
        ...

    def finalize_block(self, req: abci_pb.RequestFinalizeBlock) -> abci_pb.ResponseFinalizeBlock:
        """Execute a decided block: one result per tx and the new app hash."""
        ...

    def extend_vote(self, req: abci_pb.RequestExtendVote) -> abci_pb.ResponseExtendVote:
        """Attach application data to this node's precommit."""
        ...

    def verify_vote_extension(
        self, req: abci_pb.RequestVerifyVoteExtension
    ) -> abci_pb.ResponseVerifyVoteExtension:
        """Accept or reject another validator's vote extension."""
        ...

    def commit(self, req: abci_pb.RequestCommit) -> abci_pb.ResponseCommit:
        """Persist the state FinalizeBlock produced."""
        ...

    def list_snapshots(self, req: abci_pb.RequestListSnapshots) -> abci_pb.ResponseListSnapshots:
        """List the state-sync snapshots this node offers."""
        ...

    def offer_snapshot(self, req: abci_pb.RequestOfferSnapshot) -> abci_pb.ResponseOfferSnapshot:
        """Decide whether to restore from an offered snapshot."""
        ...

    def load_snapshot_chunk(
        self, req: abci_pb.RequestLoadSnapshotChunk
    ) -> abci_pb.ResponseLoadSnapshotChunk:
        """Return one chunk of a local snapshot."""
        ...

    def apply_snapshot_chunk(
        self, req: abci_pb.RequestApplySnapshotChunk
    ) -> abci_pb.ResponseApplySnapshotChunk:
        """Apply one chunk of the snapshot being restored."""
        ...


def compute_txs_within(txs: list[bytes], max_tx_bytes: int) -> list[bytes]:
    """The longest prefix of txs whose total size fits in max_tx_bytes."""
    kept: list[bytes] = []
    total = 0
    for tx in txs:
        total += len(tx)
        if total > max_tx_bytes:
            break
        kept.append(tx)
    return kept


class BaseApplication:
    """An application that accepts everything and stores nothing; subclass and override."""

    def info(self, req: abci_pb.RequestInfo) -> abci_pb.ResponseInfo:
        """Height 0, empty app hash: CometBFT will call InitChain."""
        return abci_pb.ResponseInfo()

    def init_chain(self, req: abci_pb.RequestInitChain) -> abci_pb.ResponseInitChain:
        """Keep genesis validators and params as CometBFT sent them."""
        return abci_pb.ResponseInitChain()

    def query(self, req: abci_pb.RequestQuery) -> abci_pb.ResponseQuery:
        """Answer every query with an empty value at code 0."""
        return abci_pb.ResponseQuery(height=req.height)

    def check_tx(self, req: abci_pb.RequestCheckTx) -> abci_pb.ResponseCheckTx:
        """Accept every transaction."""
        return abci_pb.ResponseCheckTx(code=0)

    def prepare_proposal(
        self, req: abci_pb.RequestPrepareProposal
    ) -> abci_pb.ResponsePrepareProposal:
        """Propose the mempool's transactions, trimmed from the end to max_tx_bytes."""
        txs = compute_txs_within(list(req.txs), req.max_tx_bytes)
        return abci_pb.ResponsePrepareProposal(txs=txs)

    def process_proposal(
        self, req: abci_pb.RequestProcessProposal
    ) -> abci_pb.ResponseProcessProposal:
        """Accept every proposal."""
        return abci_pb.ResponseProcessProposal(status=abci_pb.ResponseProcessProposal.ACCEPT)

    def finalize_block(self, req: abci_pb.RequestFinalizeBlock) -> abci_pb.ResponseFinalizeBlock:
        """One code-0 result per transaction, app hash unchanged (empty)."""
        results = [abci_pb.ExecTxResult(code=0) for _ in req.txs]
        return abci_pb.ResponseFinalizeBlock(tx_results=results)

    def extend_vote(self, req: abci_pb.RequestExtendVote) -> abci_pb.ResponseExtendVote:
        """An empty vote extension."""
        return abci_pb.ResponseExtendVote()

    def verify_vote_extension(
        self, req: abci_pb.RequestVerifyVoteExtension
    ) -> abci_pb.ResponseVerifyVoteExtension:
        """Accept every vote extension."""
        return abci_pb.ResponseVerifyVoteExtension(
            status=abci_pb.ResponseVerifyVoteExtension.ACCEPT
        )

    def commit(self, req: abci_pb.RequestCommit) -> abci_pb.ResponseCommit:
        """Keep every block (retain_height 0)."""
        return abci_pb.ResponseCommit()

    def list_snapshots(self, req: abci_pb.RequestListSnapshots) -> abci_pb.ResponseListSnapshots:
        """No snapshots."""
        return abci_pb.ResponseListSnapshots()

    def offer_snapshot(self, req: abci_pb.RequestOfferSnapshot) -> abci_pb.ResponseOfferSnapshot:
        """Refuse state sync: ABORT."""
        return abci_pb.ResponseOfferSnapshot(result=abci_pb.ResponseOfferSnapshot.ABORT)

    def load_snapshot_chunk(
        self, req: abci_pb.RequestLoadSnapshotChunk
    ) -> abci_pb.ResponseLoadSnapshotChunk:
        """No chunks."""
        return abci_pb.ResponseLoadSnapshotChunk()

    def apply_snapshot_chunk(
        self, req: abci_pb.RequestApplySnapshotChunk
    ) -> abci_pb.ResponseApplySnapshotChunk:
        """Refuse state sync: ABORT."""
        return abci_pb.ResponseApplySnapshotChunk(result=abci_pb.ResponseApplySnapshotChunk.ABORT)
