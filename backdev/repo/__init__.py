"""The repository, read through git (GitPython), safely: confined paths, secret files refused."""
