"""An IP tag table entry as IPTAG GET returns it (SC&MP's ``iptag_t``).

32 bytes, little-endian: ip (4), mac (6), tx port (u16), timeout (u16),
flags (u16), count (u32), rx port (u16), dest addr (u16: x << 8 | y), dest
port/cpu (u8), 7 bytes of padding (spinnaker_tools' scamp.h;
``spinnaker/HOST_PROTOCOL.md``, IPTAG).  The virtual board packs entries with
:meth:`IPTagEntry.pack` and the host reads them with :meth:`IPTagEntry.unpack`.
"""

import struct
from dataclasses import dataclass

#: Request flags of IPTAG NEW/SET (arg1 bits 28 and 29): strip the SDP
#: header; a reverse tag (UDP to a board port -> SDP to a core).
REQUEST_STRIP = 1 << 28
REQUEST_REVERSE = 1 << 29


@dataclass
class IPTagEntry:
    """One IP tag (the fields IPTAG GET returns)."""

    ip: bytes = b"\0\0\0\0"
    port: int = 0
    timeout: int = 0
    flags: int = 0  # IN_USE, STRIP, REVERSE
    count: int = 0
    rx_port: int = 0
    dest_addr: int = 0  # x << 8 | y of a reverse tag's target
    dest_port: int = 0  # its port/cpu byte

    IN_USE, STRIP, REVERSE = 0x8000, 0x0100, 0x0200
    LAYOUT = struct.Struct("<4s6sHHHIHHB7x")

    def pack(self) -> bytes:
        return self.LAYOUT.pack(self.ip, b"\0" * 6, self.port, self.timeout, self.flags,
                                self.count, self.rx_port, self.dest_addr, self.dest_port)

    @classmethod
    def unpack(cls, data: bytes) -> "IPTagEntry":
        """An entry from IPTAG GET's data (zero-padded if short)."""
        ip, _, port, timeout, flags, count, rx_port, dest, dest_port = cls.LAYOUT.unpack_from(
            bytes(data).ljust(cls.LAYOUT.size, b"\0"))
        return cls(ip, port, timeout, flags, count, rx_port, dest, dest_port)
