"""Sessions: the SQLite store, its migrations, and the conversation rebuilt from it."""
