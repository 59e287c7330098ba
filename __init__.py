"""aichain: an application-specific blockchain for open AI."""

import os

# gRPC's fork handlers misbehave when a process that serves gRPC forks a child (the node
# starts CometBFT); they must be off before grpc is first imported.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
