"""Datanets: community datasets with curated records, versions committed by a Merkle root
(`merkle.py`, the rule the worker shares), a history of every change, access terms and
contributor reward accumulators. docs/datanet.md describes the rules."""
