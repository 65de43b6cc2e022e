"""`python -m ccterm` runs the CLI."""

from ccterm.cli import main

main()
