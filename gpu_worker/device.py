"""Picks the torch device: CUDA when present and asked for, CPU otherwise."""

from __future__ import annotations

import torch

DEVICE_CHOICES = ("auto", "cpu", "cuda")
"""Values accepted by every --device option."""


class DeviceError(ValueError):
    """A device was requested that this machine cannot provide."""


def resolve_device(spec: str | torch.device = "auto") -> torch.device:
    """Turns "auto" | "cpu" | "cuda" | "cuda:N" into a torch.device; "auto" prefers CUDA."""
    if isinstance(spec, torch.device):
        return spec
    name = spec.strip().lower()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise DeviceError(
                f"device {spec!r} requested but CUDA is not available; use cpu or auto"
            )
        return torch.device(name)
    raise DeviceError(f"unknown device {spec!r}: expected one of {', '.join(DEVICE_CHOICES)}")
