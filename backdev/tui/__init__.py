"""The Textual front end of `backdev chat` (see `launch.run_tui` and `factory.make_app`)."""
