"""Seawall: find, stop and recover from state-sponsored intrusions into carrier networks."""

__version__ = "0.1.0"
