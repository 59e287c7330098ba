"""aichain.abci."""
