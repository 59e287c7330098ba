"""Auth messages (cosmos.auth.v1beta1): MsgUpdateParams, signed by the authority."""

from __future__ import annotations

from aichain.app.authority import authority_signers, validate_authority_msg

MSG_UPDATE_PARAMS_URL = "/cosmos.auth.v1beta1.MsgUpdateParams"
"""Type URL of MsgUpdateParams."""

update_params_signers = authority_signers
"""The authority signs MsgUpdateParams."""

validate_update_params = validate_authority_msg
"""The authority is an address and params are given (each field is checked statefully)."""
