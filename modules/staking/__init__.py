"""aichain.modules.staking."""
