"""Screens of the app; each has its stylesheet beside it."""
