"""Helpers shared between test modules (rows, pages, browsers, workers); no tests here."""
