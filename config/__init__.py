"""aichain.config: typed node and app configuration, genesis defaults."""
