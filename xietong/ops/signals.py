"""Placeholder; filled by the request-id work."""
