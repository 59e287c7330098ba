"""aichain.cli."""
