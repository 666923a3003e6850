"""A CEL evaluator with Kubernetes' CEL environment and Kyverno's offline libraries.

Library choice, measured on this machine (2026-11-28, Python 3.11) with the 223 distinct CEL expressions
of `../shared/reference/kyverno-policies` (`*-cel`, `*-vpol`) and `gatekeeper-library` templates
(`K8sNativeValidation`), and one container-capabilities rule over a 3-container Pod:

| | common-expression-language 0.10 (`cel`, Rust) | cel-python 0.5 (`celpy`) |
|---|---|---|
| expressions parsed as shipped | 174 / 223 | 166 / 223 |
| ... after rewriting optional syntax (`.?`, `[?`) | 223 / 223 | (no optional type at all) |
| evaluate one rule x object | 104 us (4 us with a shared context) | 2768 us |
| compile one expression | 132 us | 1351 us |
| optional values (`optional.of/none`, `orValue`, `hasValue`) | native | missing |
| `lowerAscii`, `split`, `join`, sets, math, lists extensions | `cel.stdlib` | missing |
| heterogeneous numeric equality (`1 == 1u`, `dyn(1) == 1.0`) | true (as cel-go) | error |
| error absorption in `&&` / `||` (commutative) | yes | yes |
| `size()` of a non-ASCII string | bytes (cel-go: code points) | code points |

In the engine (`benchmarks/bench_cel.py`, 2,000 generated workloads, one run): classic pattern rules
55-78 us per rule x object, ClusterPolicy `validate.cel` 187 us (2.4x), ValidatingPolicy 263 us (3.4x);
compile once vs compile per object: 12x. Two measures got there: one converted context per object,
shared by every expression on it (converting a Pod costs ~250 us, evaluating ~20 us), and variables
inlined into the expressions that read them (`inline.py`) instead of round trips through Python
(ValidatingPolicy: 2214 -> 263 us).

Neither parses `.?`/`[?` (the Rust parser knows it but refuses it), so `optional.py` rewrites those
chains into `has()` guards and native optionals before compiling: the library is extended, not forked.
The Kubernetes libraries (quantity, URL, IP/CIDR, semver, regex `find`, lists, `format`) are in
`k8s_lib.py`, Kyverno's in `kyverno_lib.py`; live lookups are `CelUnsupported`, never evaluated.

    program = compile_expression("object.spec.?hostNetwork.orValue(false) == false")  # cached
    evaluate(program, {"object": pod})  # -> True, or raises CelError / CelUnsupported
"""

from sggitops.policy.cel.env import (
    CelError,
    CelUnsupported,
    Program,
    compile_expression,
    evaluate,
    evaluate_source,
)
from sggitops.policy.cel.kyverno_lib import Lookups

__all__ = [
    "CelError",
    "CelUnsupported",
    "Lookups",
    "Program",
    "compile_expression",
    "evaluate",
    "evaluate_source",
]
