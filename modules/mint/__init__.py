"""The mint module: block provisions at a fixed annual inflation of the bond denom."""
