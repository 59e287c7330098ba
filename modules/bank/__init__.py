"""aichain.modules.bank."""
