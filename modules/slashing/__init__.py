"""aichain.modules.slashing."""
