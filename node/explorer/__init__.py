"""The block explorer: a web page over a node's public interfaces (REST gateway, CometBFT RPC
and websocket), served on loopback by `aichain explorer` or by the node itself when app.toml's
[explorer] enable = true. docs/explorer.md."""

from aichain.node.explorer.server import explorer_app
from aichain.node.explorer.settings import ExplorerSettings, read_settings, start_explorer

__all__ = ["ExplorerSettings", "explorer_app", "read_settings", "start_explorer"]
