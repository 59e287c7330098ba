"""aichain.gpu_worker."""
