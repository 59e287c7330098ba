"""aichain.app."""
