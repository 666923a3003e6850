"""`python -m sggitops`."""

from sggitops.cli import main

main()
