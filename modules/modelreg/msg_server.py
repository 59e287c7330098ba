"""Modelreg message handlers: stateful checks, then one keeper call each."""

from __future__ import annotations

from aichain.app.authority import check_authority
from aichain.app.context import Context
from aichain.app.crypto import parse_account_address
from aichain.modelreg.v1 import modelreg_pb2 as pb
from aichain.modelreg.v1 import tx_pb2
from aichain.modules.modelreg.errors import NotOwnerError
from aichain.modules.modelreg.keeper import Keeper
from aichain.modules.modelreg.msgs import hot_address
from aichain.modules.modelreg.types import Params, parse_amount


class MsgServer:
    """Executes modelreg messages."""

    def __init__(self, keeper: Keeper, authority: str) -> None:
        self.keeper = keeper
        self.authority = authority

    def register_base_model(
        self, ctx: Context, msg: tx_pb2.MsgRegisterBaseModel
    ) -> tx_pb2.MsgRegisterBaseModelResponse:
        """MsgRegisterBaseModel. Raises DuplicateModelError."""
        model = pb.Model(
            owner=msg.owner, name=msg.name, weights_hash=msg.weights_hash,
            config_hash=msg.config_hash, tokenizer_hash=msg.tokenizer_hash,
            architecture=msg.architecture, parameter_count=msg.parameter_count,
            license=msg.license,
        )  # fmt: skip
        return tx_pb2.MsgRegisterBaseModelResponse(id=self.keeper.register_base_model(ctx, model))

    def register_adapter(
        self, ctx: Context, msg: tx_pb2.MsgRegisterAdapter
    ) -> tx_pb2.MsgRegisterAdapterResponse:
        """MsgRegisterAdapter. Raises what Keeper.register_adapter raises."""
        model = pb.Model(
            owner=msg.owner, name=msg.name, base_model_id=msg.base_model_id,
            weights_hash=msg.weights_hash, manifest_hash=msg.manifest_hash,
            training_config_hash=msg.training_config_hash, provenance=list(msg.provenance),
            parent_adapter_id=msg.parent_adapter_id,
        )  # fmt: skip
        return tx_pb2.MsgRegisterAdapterResponse(id=self.keeper.register_adapter(ctx, model))

    def _check_owner_or_authority(self, ctx: Context, signer: str, model_id: int,
                                  owner_allowed: bool) -> None:  # fmt: skip
        """Raises UnauthorizedError / NotOwnerError unless signer may act on the model."""
        model = self.keeper.require_model(ctx, model_id)
        if signer == self.authority:
            return
        if not owner_allowed:
            check_authority(self.authority, signer)  # raises: governance only
        if signer != model.owner:
            raise NotOwnerError(
                f"model {model_id} belongs to {model.owner}; {signer} is neither its owner nor "
                "the governance authority"
            )

    def activate_model(
        self, ctx: Context, msg: tx_pb2.MsgActivateModel
    ) -> tx_pb2.MsgActivateModelResponse:
        """MsgActivateModel: the owner when params.owner_activation, else only the authority.

        Raises UnauthorizedError, NotOwnerError, InvalidStatusError, AccessNotMetError."""
        owner_allowed = self.keeper.get_params(ctx).owner_activation
        self._check_owner_or_authority(ctx, msg.authority, msg.model_id, owner_allowed)
        self.keeper.activate(ctx, msg.model_id)
        return tx_pb2.MsgActivateModelResponse()

    def deprecate_model(
        self, ctx: Context, msg: tx_pb2.MsgDeprecateModel
    ) -> tx_pb2.MsgDeprecateModelResponse:
        """MsgDeprecateModel: the owner or the authority. Raises NotOwnerError,
        InvalidStatusError."""
        self._check_owner_or_authority(ctx, msg.authority, msg.model_id, True)
        self.keeper.deprecate(ctx, msg.model_id)
        return tx_pb2.MsgDeprecateModelResponse()

    def set_price(self, ctx: Context, msg: tx_pb2.MsgSetPrice) -> tx_pb2.MsgSetPriceResponse:
        """MsgSetPrice. Raises NotOwnerError, PriceOutOfBoundsError."""
        self.keeper.set_price(
            ctx, msg.owner, msg.model_id,
            parse_amount(msg.price_per_request, "price per request"),
            parse_amount(msg.price_per_1k_tokens, "price per 1,000 tokens"),
        )  # fmt: skip
        return tx_pb2.MsgSetPriceResponse()

    def register_worker(
        self, ctx: Context, msg: tx_pb2.MsgRegisterWorker
    ) -> tx_pb2.MsgRegisterWorkerResponse:
        """MsgRegisterWorker. Raises what Keeper.register_worker raises."""
        self.keeper.register_worker(
            ctx, parse_account_address(msg.operator), msg.hot_pubkey, hot_address(msg.hot_pubkey),
            list(msg.models), msg.endpoint, msg.hardware, parse_amount(msg.bond, "bond"),
        )  # fmt: skip
        return tx_pb2.MsgRegisterWorkerResponse()

    def update_worker(
        self, ctx: Context, msg: tx_pb2.MsgUpdateWorker
    ) -> tx_pb2.MsgUpdateWorkerResponse:
        """MsgUpdateWorker. Raises what Keeper.update_worker raises."""
        self.keeper.update_worker(
            ctx, parse_account_address(msg.operator), list(msg.models), msg.endpoint, msg.hardware
        )
        return tx_pb2.MsgUpdateWorkerResponse()

    def rotate_worker_key(
        self, ctx: Context, msg: tx_pb2.MsgRotateWorkerKey
    ) -> tx_pb2.MsgRotateWorkerKeyResponse:
        """MsgRotateWorkerKey. Raises what Keeper.rotate_key raises."""
        self.keeper.rotate_key(
            ctx, parse_account_address(msg.operator), msg.new_hot_pubkey,
            hot_address(msg.new_hot_pubkey),
        )  # fmt: skip
        return tx_pb2.MsgRotateWorkerKeyResponse()

    def unbond_worker(
        self, ctx: Context, msg: tx_pb2.MsgUnbondWorker
    ) -> tx_pb2.MsgUnbondWorkerResponse:
        """MsgUnbondWorker. Raises WorkerNotFoundError, InvalidStatusError."""
        completion = self.keeper.unbond_worker(ctx, parse_account_address(msg.operator))
        return tx_pb2.MsgUnbondWorkerResponse(completion_time=completion)

    def unjail_worker(
        self, ctx: Context, msg: tx_pb2.MsgUnjailWorker
    ) -> tx_pb2.MsgUnjailWorkerResponse:
        """MsgUnjailWorker. Raises WorkerNotFoundError, InvalidStatusError."""
        self.keeper.unjail_worker(ctx, parse_account_address(msg.operator))
        return tx_pb2.MsgUnjailWorkerResponse()

    def set_price_bounds(
        self, ctx: Context, msg: tx_pb2.MsgSetPriceBounds
    ) -> tx_pb2.MsgSetPriceBoundsResponse:
        """MsgSetPriceBounds: governance only. Raises UnauthorizedError, ModelNotFoundError,
        InvalidPriceBoundsError, InvalidAmountError."""
        check_authority(self.authority, msg.authority)
        low = parse_amount(msg.min_price, "min price") if msg.min_price else None
        high = parse_amount(msg.max_price, "max price") if msg.max_price else None
        per_request, per_1k = self.keeper.set_price_bounds(ctx, msg.model_id, low, high)
        return tx_pb2.MsgSetPriceBoundsResponse(
            price_per_request=str(per_request), price_per_1k_tokens=str(per_1k)
        )

    def rank_models(self, ctx: Context, msg: tx_pb2.MsgRankModels) -> tx_pb2.MsgRankModelsResponse:
        """MsgRankModels: governance only. Raises UnauthorizedError and what
        Keeper.rank_models raises."""
        check_authority(self.authority, msg.authority)
        self.keeper.rank_models(ctx, msg.higher_model_id, msg.lower_model_id)
        return tx_pb2.MsgRankModelsResponse()

    def update_params(
        self, ctx: Context, msg: tx_pb2.MsgUpdateParams
    ) -> tx_pb2.MsgUpdateParamsResponse:
        """MsgUpdateParams. Raises UnauthorizedError, InvalidParamsError."""
        check_authority(self.authority, msg.authority)
        self.keeper.set_params(ctx, Params.from_proto(msg.params))
        return tx_pb2.MsgUpdateParamsResponse()
