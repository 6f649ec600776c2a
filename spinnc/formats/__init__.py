"""Byte layouts shared across stages, so that each is written once: SDP/SCP
and boot packets (:mod:`.scp`), router entries (:mod:`.router_entry`), IP tags
(:mod:`.iptag`), APLX binaries and their checksum (:mod:`.aplx`).

Both the host (:mod:`spinnc.host`) and the virtual board
(:mod:`spinnc.virtual_board`) import these; neither imports the other.
"""
