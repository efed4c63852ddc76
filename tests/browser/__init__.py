"""Everything that drives headless Chromium (and the Nu Html Checker on the same pages)."""
