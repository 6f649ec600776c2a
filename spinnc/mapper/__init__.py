"""Mapper: partition the fixed-point Graph into per-core vertices, place them on
(x, y, core), allocate multicast keys and write each core's region data.

Not built yet: see the mapper issue.
"""
