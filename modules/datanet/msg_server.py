"""Datanet message handlers: stateful checks, then one keeper call each."""

from __future__ import annotations

from aichain.app.authority import check_authority
from aichain.app.context import Context
from aichain.app.crypto import parse_account_address
from aichain.datanet.v1 import datanet_pb2 as pb
from aichain.datanet.v1 import tx_pb2
from aichain.modules.datanet.errors import InvalidDatanetError
from aichain.modules.datanet.keeper import Keeper
from aichain.modules.datanet.msgs import parse_amount
from aichain.modules.datanet.types import Params


class MsgServer:
    """Executes datanet messages."""

    def __init__(self, keeper: Keeper, authority: str) -> None:
        self.keeper = keeper
        self.authority = authority

    def _check_curators(self, ctx: Context, count: int) -> None:
        limit = self.keeper.get_params(ctx).max_curators
        if count > limit:
            raise InvalidDatanetError(f"{count} curators named; at most {limit}")

    def create_datanet(
        self, ctx: Context, msg: tx_pb2.MsgCreateDatanet
    ) -> tx_pb2.MsgCreateDatanetResponse:
        """MsgCreateDatanet. Raises InvalidDatanetError."""
        params = self.keeper.get_params(ctx)
        if msg.max_record_size > params.max_record_size:
            raise InvalidDatanetError(
                f"max record size {msg.max_record_size} exceeds the chain's limit of "
                f"{params.max_record_size} bytes"
            )
        self._check_curators(ctx, len(msg.curators))
        datanet = pb.Datanet(
            owner=msg.creator,
            name=msg.name,
            description=msg.description,
            license=msg.license,
            modality=msg.modality,
            curation_mode=msg.curation_mode,
            access_policy=msg.access_policy,
            access_price=str(parse_amount(msg.access_price, "access price")),
            bond_per_record=str(parse_amount(msg.bond_per_record, "bond per record")),
            quotas=msg.quotas,
            max_record_size=msg.max_record_size,
            curators=list(msg.curators),
        )
        return tx_pb2.MsgCreateDatanetResponse(id=self.keeper.create_datanet(ctx, datanet))

    def contribute(self, ctx: Context, msg: tx_pb2.MsgContribute) -> tx_pb2.MsgContributeResponse:
        """MsgContribute. Raises what Keeper.contribute raises."""
        record = pb.Record(
            datanet_id=msg.datanet_id,
            content_hash=msg.content_hash,
            size=msg.size,
            media_type=msg.media_type,
            metadata=msg.metadata,
        )
        record_id = self.keeper.contribute(ctx, parse_account_address(msg.contributor), record)
        return tx_pb2.MsgContributeResponse(record_id=record_id)

    def review(self, ctx: Context, msg: tx_pb2.MsgReview) -> tx_pb2.MsgReviewResponse:
        """MsgReview. Raises what Keeper.review raises."""
        self.keeper.review(ctx, msg.curator, msg.datanet_id, msg.record_id, msg.accept, msg.reason)
        return tx_pb2.MsgReviewResponse()

    def withdraw(self, ctx: Context, msg: tx_pb2.MsgWithdraw) -> tx_pb2.MsgWithdrawResponse:
        """MsgWithdraw. Raises what Keeper.withdraw raises."""
        self.keeper.withdraw(ctx, msg.contributor, msg.datanet_id, msg.record_id)
        return tx_pb2.MsgWithdrawResponse()

    def edit_metadata(
        self, ctx: Context, msg: tx_pb2.MsgEditMetadata
    ) -> tx_pb2.MsgEditMetadataResponse:
        """MsgEditMetadata. Raises what Keeper.edit_metadata raises."""
        self.keeper.edit_metadata(ctx, msg.contributor, msg.datanet_id, msg.record_id, msg.metadata)
        return tx_pb2.MsgEditMetadataResponse()

    def publish_version(
        self, ctx: Context, msg: tx_pb2.MsgPublishVersion
    ) -> tx_pb2.MsgPublishVersionResponse:
        """MsgPublishVersion. Raises what Keeper.publish_version raises."""
        version = self.keeper.publish_version(
            ctx, msg.publisher, msg.datanet_id, list(msg.append), list(msg.remove), msg.changelog
        )
        return tx_pb2.MsgPublishVersionResponse(
            version=version.version, root=version.root, size=version.size
        )

    def grant_access(
        self, ctx: Context, msg: tx_pb2.MsgGrantAccess
    ) -> tx_pb2.MsgGrantAccessResponse:
        """MsgGrantAccess. Raises what Keeper.grant_access raises."""
        grantee = parse_account_address(msg.grantee)
        self.keeper.grant_access(ctx, msg.owner, msg.datanet_id, grantee)
        return tx_pb2.MsgGrantAccessResponse()

    def pay_access(self, ctx: Context, msg: tx_pb2.MsgPayAccess) -> tx_pb2.MsgPayAccessResponse:
        """MsgPayAccess. Raises what Keeper.pay_access raises."""
        payer = parse_account_address(msg.payer)
        grantee = parse_account_address(msg.grantee) if msg.grantee else payer
        self.keeper.pay_access(ctx, payer, msg.datanet_id, msg.version, grantee)
        return tx_pb2.MsgPayAccessResponse()

    def set_curators(
        self, ctx: Context, msg: tx_pb2.MsgSetCurators
    ) -> tx_pb2.MsgSetCuratorsResponse:
        """MsgSetCurators. Raises InvalidDatanetError and what Keeper.set_curators raises."""
        self._check_curators(ctx, len(msg.curators))
        self.keeper.set_curators(ctx, msg.owner, msg.datanet_id, list(msg.curators))
        return tx_pb2.MsgSetCuratorsResponse()

    def update_curators(
        self, ctx: Context, msg: tx_pb2.MsgUpdateCurators
    ) -> tx_pb2.MsgUpdateCuratorsResponse:
        """MsgUpdateCurators: governance replaces any datanet's curator set. Raises
        UnauthorizedError, InvalidDatanetError, DatanetNotFoundError."""
        check_authority(self.authority, msg.authority)
        self._check_curators(ctx, len(msg.curators))
        self.keeper.set_curators(
            ctx, msg.authority, msg.datanet_id, list(msg.curators), by_authority=True
        )
        return tx_pb2.MsgUpdateCuratorsResponse()

    def transfer_ownership(
        self, ctx: Context, msg: tx_pb2.MsgTransferOwnership
    ) -> tx_pb2.MsgTransferOwnershipResponse:
        """MsgTransferOwnership. Raises what Keeper.transfer_ownership raises."""
        self.keeper.transfer_ownership(ctx, msg.owner, msg.datanet_id, msg.new_owner)
        return tx_pb2.MsgTransferOwnershipResponse()

    def set_closed(self, ctx: Context, msg: tx_pb2.MsgSetClosed) -> tx_pb2.MsgSetClosedResponse:
        """MsgSetClosed. Raises what Keeper.set_closed raises."""
        self.keeper.set_closed(ctx, msg.owner, msg.datanet_id, msg.closed)
        return tx_pb2.MsgSetClosedResponse()

    def claim(self, ctx: Context, msg: tx_pb2.MsgClaim) -> tx_pb2.MsgClaimResponse:
        """MsgClaim. Raises what Keeper.claim raises."""
        amount = self.keeper.claim(
            ctx, parse_account_address(msg.contributor), msg.datanet_id, list(msg.versions)
        )
        return tx_pb2.MsgClaimResponse(amount=str(amount))

    def update_params(
        self, ctx: Context, msg: tx_pb2.MsgUpdateParams
    ) -> tx_pb2.MsgUpdateParamsResponse:
        """MsgUpdateParams. Raises UnauthorizedError, InvalidParamsError."""
        check_authority(self.authority, msg.authority)
        self.keeper.set_params(ctx, Params.from_proto(msg.params))
        return tx_pb2.MsgUpdateParamsResponse()
