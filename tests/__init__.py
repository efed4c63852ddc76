"""The test suite: one folder per area of the app; see tests/README.md."""
