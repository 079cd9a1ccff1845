"""Render the AI Security Shared Responsibility Model into release artifacts."""

__version__ = "0.1.0"
