"""Fuzz harnesses (``make fuzz``) and the replay of what they keep."""
