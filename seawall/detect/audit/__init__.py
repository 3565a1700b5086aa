"""Configuration audit: hardening and compromise checks (data in ``rules/audit``), drift
between snapshots and exposure to known-exploited vulnerabilities, over the vendor-neutral
device model."""
