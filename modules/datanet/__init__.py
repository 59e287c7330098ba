"""Datanets: community datasets with provable history.

For now this package holds the rules the chain shares with the worker (`merkle.py`: the
record leaf hash and the version root); the datanet module itself lands with its issue.
"""
