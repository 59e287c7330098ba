"""aichain: an application-specific blockchain for open AI."""
