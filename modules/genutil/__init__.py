"""The genutil module: genesis transactions that make the first validators."""
