"""Schemas of rendered Kubernetes objects: built-ins (kube), CRDs (crd), the lookup (registry), API removals (apis)."""

from sggitops.schema.kube import VersionMatch
from sggitops.schema.registry import Problem, SchemaRegistry, Validator

__all__ = ["Problem", "SchemaRegistry", "Validator", "VersionMatch"]
