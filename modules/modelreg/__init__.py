"""The model registry: base models and LoRA adapters pinned by content hash to the datanet
versions that trained them, their lifecycle, prices and usage, and the bonded workers that
serve them. docs/modelreg.md describes the rules."""
