"""The app as processes: real celery workers, PostgreSQL from concurrent threads,
`make run`, settings, and the house rules (ruff, mypy)."""
