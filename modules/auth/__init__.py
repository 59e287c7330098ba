"""aichain.modules.auth."""
