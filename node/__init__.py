"""aichain.node: the node runtime (home layout, init, the supervised CometBFT child, gRPC)."""
