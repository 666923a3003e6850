"""A Kyverno evaluator for validate rules: match/exclude, autogen, preconditions, pattern/anyPattern with
anchors, deny with JMESPath, foreach, PolicyExceptions. What it cannot evaluate is reported as unsupported.

    policy = KyvernoPolicy.from_manifest(manifest)
    results = evaluate([policy], resource, namespaces={"team-a": namespace_obj})
"""

from sggitops.policy.kyverno.engine import evaluate, evaluate_many
from sggitops.policy.kyverno.model import KyvernoPolicy, KyvernoPolicyError, PolicyException

__all__ = ["KyvernoPolicy", "KyvernoPolicyError", "PolicyException", "evaluate", "evaluate_many"]
