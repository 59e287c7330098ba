"""aichain.modules."""
