"""Inference settlement and attribution.

For now this package holds the rule the chain shares with the worker (`weights.py`: how
attribution scores become integer ppm weights); the attribution module lands with its issue.
"""
