"""Detectors over device logs (the ``log`` record kind): SigmaHQ rules and Seawall's own log
rules."""
