"""The governance module ("gov"): stake-weighted proposals that execute messages as the
governance module account, in the Cosmos SDK's cosmos.gov.v1 wire format, and the model-vote
track whose voters earn a share of a participation reward (aichain.gov.v1)."""
