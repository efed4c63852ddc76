"""Readers report images: the form, who counts, hiding and look-alikes, quarantined files,
what staff do, and the breaker."""
