"""The randomized simulation of the whole app (the Cosmos SDK's x/simulation).

`types` holds what a module's `simulation.py` uses (accounts, operations, the environment an
operation reads); `runner` drives an in-process app through ABCI with seeded random genesis,
blocks, votes, evidence and each module's weighted operations, checking every invariant every
block. Deterministic: the same seed gives the same blocks and the same app hash at every
height. Not consensus code: it is a test driver (tests/sim, `aichain sim`).
"""
