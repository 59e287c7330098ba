"""Genesis and network defaults."""

CHAIN_ID = "aichain-1"
"""Chain id of the main network."""

LOCAL_CHAIN_ID = "aichain-local"
"""Chain id of local single-node chains (`make run`)."""

DENOM = "uaic"
"""Staking and fee denom; 1 AIC = 10^6 uaic."""

DENOM_METADATA = {
    "description": "The native token of aichain",
    "denom_units": [
        {"denom": "uaic", "exponent": 0, "aliases": ["microaic"]},
        {"denom": "aic", "exponent": 6},
    ],
    "base": "uaic",
    "display": "aic",
    "name": "AIC",
    "symbol": "AIC",
}
"""Bank metadata of the native denom."""

TIMEOUT_COMMIT = "500ms"
"""CometBFT's pause after each commit on a local chain."""
