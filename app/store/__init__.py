"""aichain.app.store."""
