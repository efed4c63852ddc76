"""Full text from the outlet's page: extraction, politeness towards hosts, the stage, and
the commands and admin that drive it."""
