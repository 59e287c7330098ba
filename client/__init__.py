"""aichain.client: code that talks to the chain as a client would (keys, tx building, RPC)."""
