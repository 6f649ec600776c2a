"""A multicast router entry as SC&MP's RTR LOAD reads it from SDRAM.

16 bytes, little-endian: next (u16), free (u16: the owning app id), route
(u32: bits 0-5 links, 6-23 cores), key (u32), mask (u32) -- spinnaker_tools'
``rtr_entry_t`` (``spinnaker/HOST_PROTOCOL.md``, RTR).  The host packs tables
with :func:`pack_entries`; the virtual board reads them with
:func:`unpack_entries`, so both sides use this one layout.
"""

import struct

import numpy as np

#: A routing table entry as the Image and the router stages hold it (first-match
#: order; ``source`` is the link or core a minimiser may default-route from).
ENTRY = np.dtype([("key", "<u4"), ("mask", "<u4"), ("route", "<u4"), ("source", "<u4")])

#: One entry as RTR LOAD reads it, as a numpy record (for whole tables).
RTE = np.dtype([("next", "<u2"), ("free", "<u2"), ("route", "<u4"), ("key", "<u4"),
                ("mask", "<u4")])
#: The same entry as a struct (next, free, route, key, mask).
ROUTER_ENTRY = struct.Struct("<HHIII")
assert RTE.itemsize == ROUTER_ENTRY.size == 16


def pack_entries(table, app_id: int) -> np.ndarray:
    """A routing table (an array with key, mask and route fields, or rows of
    key, mask, route) as the 16-byte entries RTR LOAD reads, in the same order.

    Parameters
    ----------
    table
        The entries in first-match order.
    app_id
        The application that owns them (the ``free`` field).

    Returns
    -------
    numpy.ndarray
        An :data:`RTE` array; ``.tobytes()`` is what the host writes.
    """
    if not isinstance(table, np.ndarray):
        table = np.array([tuple(row)[:3] for row in table],
                         dtype=[("key", "<u4"), ("mask", "<u4"), ("route", "<u4")])
    entries = np.zeros(len(table), dtype=RTE)
    entries["next"] = np.arange(len(table))
    entries["free"] = app_id
    for name in ("route", "key", "mask"):
        entries[name] = table[name]
    return entries


def unpack_entries(data: bytes) -> np.ndarray:
    """The :data:`RTE` entries of ``data`` (a whole number of 16-byte entries)."""
    if len(data) % RTE.itemsize:
        raise ValueError(f"{len(data)} bytes is not a whole number of "
                         f"{RTE.itemsize}-byte router entries")
    return np.frombuffer(data, dtype=RTE)
