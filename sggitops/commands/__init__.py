"""The click commands, one module per command family; `sggitops.cli` assembles them (see base.py)."""
