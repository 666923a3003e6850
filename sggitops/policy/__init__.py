"""sggitops.policy."""

import re2  # noqa: F401  (RE2 must load before any regopy: the other order aborts in RE2, see goregex)
