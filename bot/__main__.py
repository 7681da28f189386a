"""`python -m bot` runs the same command line as `policyqa`."""

from bot.cli import main

main()
