"""Search: normalisation, both database engines, the index kept in step, the results page."""
