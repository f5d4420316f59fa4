"""What a phase does to the repository: edits and artifacts (approved diffs), and test runs."""
