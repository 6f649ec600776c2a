"""The ARM engine: the applications' real firmware (spinnc/firmware) run
instruction by instruction in unicorn (:class:`ArmEmulator`)."""

from .engine import ArmEmulator

__all__ = ["ArmEmulator"]
