"""A virtual chip's memory: sparse SDRAM, the blocks SC&MP allocates in it,
and the router's entry allocator.

SDRAM is 128 MiB per chip at 0x60000000; storing it eagerly for 48 chips
would take 6 GiB, so it is kept as 64 KiB chunks created on first write
(untouched memory reads as zeros).
"""

from dataclasses import dataclass

SDRAM_BASE = 0x60000000
SDRAM_END = 0x68000000
CHUNK = 1 << 16


class SparseMemory:
    """Bytes from ``base`` to ``end``, stored in chunks created on first write."""

    def __init__(self, base: int = SDRAM_BASE, end: int = SDRAM_END):
        self.base, self.end = base, end
        self.chunks: dict[int, bytearray] = {}

    def contains(self, address: int, length: int) -> bool:
        return self.base <= address and address + length <= self.end

    def _pieces(self, address: int, length: int):
        """(chunk index, offset in chunk, offset in the request, length) of each piece."""
        done = 0
        while done < length:
            index, offset = divmod(address + done - self.base, CHUNK)
            n = min(CHUNK - offset, length - done)
            yield index, offset, done, n
            done += n

    def read(self, address: int, length: int) -> bytes:
        out = bytearray(length)
        for index, offset, at, n in self._pieces(address, length):
            chunk = self.chunks.get(index)
            if chunk is not None:
                out[at:at + n] = chunk[offset:offset + n]
        return bytes(out)

    def write(self, address: int, data: bytes) -> None:
        data = memoryview(bytes(data))
        for index, offset, at, n in self._pieces(address, len(data)):
            chunk = self.chunks.get(index)
            if chunk is None:
                chunk = self.chunks[index] = bytearray(CHUNK)
            chunk[offset:offset + n] = data[at:at + n]

    def fill(self, address: int, word: bytes, length: int) -> None:
        """``length`` bytes of the 4-byte ``word`` repeated (address and length aligned)."""
        for index, offset, at, n in self._pieces(address, length):
            chunk = self.chunks.get(index)
            if chunk is None:
                if word == b"\0\0\0\0":
                    continue  # untouched memory already reads as zeros
                chunk = self.chunks[index] = bytearray(CHUNK)
            chunk[offset:offset + n] = word * (n // 4)

    def snapshot(self) -> dict[int, bytes]:
        """Every chunk's bytes (for tests that check what changed)."""
        return {index: bytes(chunk) for index, chunk in self.chunks.items()}


@dataclass
class Block:
    """An allocated block: SDRAM bytes or router entries."""

    start: int
    size: int
    app_id: int
    tag: int = 0


class Allocator:
    """First-fit allocation of ``[start, end)`` in ``align``-sized units, as
    SC&MP's heaps hand out SDRAM (and its router-entry allocator entries)."""

    def __init__(self, start: int, end: int, align: int = 1):
        self.start, self.end, self.align = start, end, align
        self.blocks: list[Block] = []  # sorted by start

    def _gaps(self):
        at = self.start
        for block in self.blocks:
            if block.start > at:
                yield at, block.start - at
            at = block.start + block.size
        if self.end > at:
            yield at, self.end - at

    def alloc(self, size: int, app_id: int, tag: int = 0) -> int | None:
        """The start of a new block of ``size`` units, or None if none fits."""
        size = -(-size // self.align) * self.align
        if size <= 0:
            return None
        for at, free in self._gaps():
            if free >= size:
                block = Block(at, size, app_id, tag)
                self.blocks.append(block)
                self.blocks.sort(key=lambda b: b.start)
                return at
        return None

    def find(self, start: int) -> Block | None:
        return next((b for b in self.blocks if b.start == start), None)

    def free(self, start: int) -> Block | None:
        """Free the block starting at ``start``; None if there is none."""
        block = self.find(start)
        if block is not None:
            self.blocks.remove(block)
        return block

    def free_app(self, app_id: int) -> list[Block]:
        """Free every block of ``app_id``; the blocks freed."""
        freed = [b for b in self.blocks if b.app_id == app_id]
        self.blocks = [b for b in self.blocks if b.app_id != app_id]
        return freed

    def owner(self, start: int, size: int) -> Block | None:
        """The block holding all of ``[start, start + size)``, if any."""
        return next((b for b in self.blocks
                     if b.start <= start and start + size <= b.start + b.size), None)

    def free_total(self) -> int:
        return sum(n for _, n in self._gaps())

    def largest_free(self) -> int:
        return max((n for _, n in self._gaps()), default=0)
