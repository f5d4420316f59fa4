"""backdev: an expert backend-developer persona beside your repository, in the terminal."""

__version__ = "0.1.0"
