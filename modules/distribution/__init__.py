"""aichain.modules.distribution."""
