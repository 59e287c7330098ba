"""Who may change a module's params: the authority, the governance module account by default.

Every module's MsgUpdateParams carries an `authority`; its handler refuses any other signer
with `check_authority`. The app wiring chooses the authority (as the Cosmos SDK's
`authtypes.NewModuleAddress(govtypes.ModuleName)`), so a chain can hand it elsewhere.
"""

from __future__ import annotations

from typing import Protocol

from aichain.app.crypto import account_address, module_address, parse_account_address
from aichain.app.errors import InvalidRequestError, UnauthorizedError

GOV_MODULE = "gov"
"""Name of the governance module, whose module account is the default authority."""


def default_authority() -> str:
    """The bech32 address of the governance module account."""
    return account_address(module_address(GOV_MODULE))


def check_authority(expected: str, given: str) -> None:
    """Raises UnauthorizedError unless given is the expected authority."""
    if given != expected:
        raise UnauthorizedError(
            f"invalid authority: expected {expected} (the governance module account), "
            f"got {given or 'an empty address'}; params change only through governance"
        )


class AuthorityMsg(Protocol):
    """Any module's MsgUpdateParams: the authority is its one signer."""

    authority: str

    def HasField(self, field_name: str) -> bool:  # noqa: N802 - protobuf's name
        """Whether a message field is set."""


def authority_signers(msg: AuthorityMsg) -> tuple[bytes, ...]:
    """The authority signs a MsgUpdateParams. Raises InvalidAddressError."""
    return (parse_account_address(msg.authority),)


def validate_authority_msg(msg: AuthorityMsg) -> None:
    """Stateless check of a MsgUpdateParams: the authority is an account address and params
    are present. Raises InvalidAddressError, InvalidRequestError."""
    parse_account_address(msg.authority)
    if not msg.HasField("params"):
        raise InvalidRequestError("MsgUpdateParams carries no params: give every field")
