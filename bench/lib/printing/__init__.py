"""What each bench prints: lib/printing/<bench>.py holds the report of bench/<bench>.py
(its tables, ratios and verdicts), from the figures the bench measured."""
