"""The Django admin, in Arabic."""
