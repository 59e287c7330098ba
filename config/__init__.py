"""aichain.config."""
