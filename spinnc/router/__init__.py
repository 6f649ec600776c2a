"""Router: multicast trees over the machine's links, per-chip routing tables,
minimisation to the 1023 usable entries, and verification.

Not built yet: see the router issue.
"""
