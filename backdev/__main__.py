"""`python -m backdev` runs the same command line as the `backdev` script."""

from backdev.cli import main

raise SystemExit(main())
