"""Rego evaluation through regopy: v0 -> v1 rewrite, Gatekeeper ConstraintTemplates, repo rules."""
