"""A virtual chip's memory: sparse SDRAM, the blocks SC&MP allocates in it,
and the router's entry allocator.

SDRAM is 128 MiB per chip at 0x60000000, and answers at 0x70000000 too (the
same bytes: on a chip that alias bypasses the write buffer; HARDWARE.md; SpiNNMan
reads and writes there).  It is stored as *extents*: runs of
written bytes and runs of one repeated word (what FILL writes), kept sorted by
address; memory nobody wrote reads as zeros.  So a WRITE costs the bytes it
writes, and a FILL costs one extent whatever its length.  Every extent also
costs :data:`EXTENT_COST` bytes of bookkeeping, and a board's memories share a
:class:`MemoryBudget`: storing past it raises :class:`MemoryFull` (the board
answers RC_BUF), so no sequence of datagrams can make the board take more
than its budget.

The allocators hand out blocks in O(log n): free gaps sit in size classes
(one heap per power of two), so an allocation looks at a few heap tops, not
at every block (SC&MP walks its free list; its results are the same kind of
addresses, not necessarily the same ones).
"""

import bisect
import heapq
from dataclasses import dataclass

SDRAM_BASE = 0x60000000
SDRAM_END = 0x68000000
SDRAM_ALIAS = 0x70000000  # the same SDRAM, unbuffered
CHUNK = 1 << 16  # granularity of :meth:`SparseMemory.snapshot` (for tests)
EXTENT_COST = 64  # bytes of bookkeeping charged per extent
MEMORY_LIMIT = 1 << 30  # default budget of a whole board: 1 GiB
_MERGE_RIGHT = 1 << 16  # a run of bytes is joined to the run after it up to this size
_BINS = 34  # size classes of free gaps: sizes with bit_length 0-33


class MemoryFull(Exception):
    """Storing this would take the board past its memory budget."""


class MemoryBudget:
    """Bytes the memories of one board may hold between them.

    Parameters
    ----------
    limit : int
        The most bytes (written bytes plus :data:`EXTENT_COST` per extent).
    """

    def __init__(self, limit: int = MEMORY_LIMIT):
        self.limit = int(limit)
        self.used = 0
        self.refused = 0  # stores refused for want of room

    def check(self, n: int) -> None:
        """Raise :class:`MemoryFull` unless ``n`` more bytes fit."""
        if n > 0 and self.used + n > self.limit:
            self.refused += 1
            raise MemoryFull(f"storing {n} more bytes would take the board past its "
                             f"{self.limit:,}-byte memory budget ({self.used:,} used)")


@dataclass
class _Extent:
    end: int
    data: bytearray | None = None  # written bytes, or
    word: bytes | None = None  # the repeated word: byte at address a is word[a % 4]

    def cost(self, start: int) -> int:
        return EXTENT_COST + (self.end - start if self.data is not None else 0)


class SparseMemory:
    """Bytes from ``base`` to ``end`` (zeros until written), stored as extents.

    Parameters
    ----------
    base, end : int
        The address range.
    budget : MemoryBudget, optional
        Shared with the board's other memories (an unlimited one by default).
    alias : int, optional
        A second base at which the same bytes answer (None: none).
    """

    def __init__(self, base: int = SDRAM_BASE, end: int = SDRAM_END,
                 budget: MemoryBudget | None = None, alias: int | None = None):
        self.base, self.end, self.alias = base, end, alias
        self.budget = budget if budget is not None else MemoryBudget(1 << 62)
        self._starts: list[int] = []  # sorted starts of the extents
        self._extents: dict[int, _Extent] = {}
        self.stored = 0  # bytes this memory holds (its share of the budget)

    def canonical(self, address: int) -> int:
        """``address``, moved from the alias range to the base range."""
        if self.alias is not None and self.alias <= address < self.alias + self.end - self.base:
            return address - self.alias + self.base
        return address

    def contains(self, address: int, length: int) -> bool:
        address = self.canonical(address)
        return self.base <= address and address + length <= self.end

    @property
    def extents(self) -> int:
        """How many extents the memory holds."""
        return len(self._starts)

    # -- bookkeeping ---------------------------------------------------------------

    def _add(self, start: int, extent: _Extent) -> None:
        bisect.insort(self._starts, start)
        self._extents[start] = extent
        self._account(extent.cost(start))

    def _remove(self, start: int) -> _Extent:
        extent = self._extents.pop(start)
        del self._starts[bisect.bisect_left(self._starts, start)]
        self._account(-extent.cost(start))
        return extent

    def _account(self, n: int) -> None:
        self.stored += n
        self.budget.used += n

    def _overlapping(self, lo: int, hi: int) -> list[int]:
        """Starts of the extents that overlap ``[lo, hi)``, in order."""
        i = bisect.bisect_right(self._starts, lo) - 1
        if i < 0 or self._extents[self._starts[i]].end <= lo:
            i += 1
        out = []
        while i < len(self._starts) and self._starts[i] < hi:
            out.append(self._starts[i])
            i += 1
        return out

    def _inside(self, lo: int, hi: int) -> tuple[int, _Extent] | None:
        """The run of written bytes holding all of ``[lo, hi)``, if any."""
        i = bisect.bisect_right(self._starts, lo) - 1
        if i >= 0:
            start = self._starts[i]
            extent = self._extents[start]
            if extent.data is not None and hi <= extent.end:
                return start, extent
        return None

    def _cut(self, lo: int, hi: int) -> None:
        """Forget ``[lo, hi)``: extents overlapping it are trimmed or split."""
        for start in self._overlapping(lo, hi):
            extent = self._remove(start)
            if start < lo:  # the part before the range stays
                left = _Extent(lo, None, extent.word)
                if extent.data is not None:
                    left.data = extent.data[:lo - start]
                self._add(start, left)
            if extent.end > hi:  # and the part after it
                right = _Extent(extent.end, None, extent.word)
                if extent.data is not None:
                    right.data = extent.data[hi - start:]
                self._add(hi, right)

    def _growth(self, lo: int, hi: int, new_bytes: int) -> int:
        """An upper bound of what storing ``new_bytes`` over ``[lo, hi)`` adds."""
        return new_bytes + 3 * EXTENT_COST  # the new extent and the pieces of a split one

    # -- access -----------------------------------------------------------------

    def read(self, address: int, length: int) -> bytes:
        address = self.canonical(address)
        out = bytearray(length)
        hi = address + length
        for start in self._overlapping(address, hi):
            extent = self._extents[start]
            a, b = max(start, address), min(extent.end, hi)
            if extent.data is not None:
                out[a - address:b - address] = extent.data[a - start:b - start]
            else:
                out[a - address:b - address] = _pattern(extent.word, a, b)
        return bytes(out)

    def write(self, address: int, data: bytes) -> None:
        """Store ``data`` at ``address``.

        Raises
        ------
        MemoryFull
            If it would take the board past its budget (nothing is changed).
        """
        data = bytes(data)
        address = self.canonical(address)
        lo, hi = address, address + len(data)
        if not data:
            return
        inside = self._inside(lo, hi)
        if inside is not None:  # already stored: overwrite in place, no new memory
            start, extent = inside
            extent.data[lo - start:hi - start] = data
            return
        self.budget.check(self._growth(lo, hi, len(data)))
        self._cut(lo, hi)
        self._insert_bytes(lo, bytearray(data))

    def _insert_bytes(self, lo: int, data: bytearray) -> None:
        hi = lo + len(data)
        i = bisect.bisect_left(self._starts, lo)
        if i > 0:  # join the run of bytes that ends where this one starts
            before = self._starts[i - 1]
            extent = self._extents[before]
            if extent.end == lo and extent.data is not None:
                extent.data += data
                extent.end = hi
                self._account(len(data))
                lo, data = before, None
        if data is not None:
            self._add(lo, _Extent(hi, data))
        after = self._extents.get(hi)
        if after is not None and after.data is not None and len(after.data) <= _MERGE_RIGHT:
            joined = self._extents[lo]
            self._remove(hi)
            joined.data += after.data
            joined.end = after.end
            self._account(len(after.data))

    def fill(self, address: int, word: bytes, length: int) -> None:
        """``length`` bytes of the 4-byte ``word`` repeated (address and length
        word-aligned); costs one extent, not ``length`` bytes.

        Raises
        ------
        MemoryFull
            If even that would take the board past its budget.
        """
        address = self.canonical(address)
        lo, hi = address, address + length
        if not length:
            return
        inside = self._inside(lo, hi)
        if inside is not None:
            start, extent = inside
            extent.data[lo - start:hi - start] = _pattern(word, lo, hi)
            return
        self.budget.check(self._growth(lo, hi, 0))
        self._cut(lo, hi)
        if word == b"\0\0\0\0":
            return  # memory nobody wrote reads as zeros
        i = bisect.bisect_left(self._starts, lo)
        if i > 0:
            before = self._starts[i - 1]
            extent = self._extents[before]
            if extent.end == lo and extent.word == word:
                extent.end = hi  # the same fill continued
                return
        self._add(lo, _Extent(hi, None, bytes(word)))

    def snapshot(self) -> dict[int, bytes]:
        """The bytes of every :data:`CHUNK`-sized chunk any extent touches, by
        chunk index (for tests that check what changed; small memories only)."""
        touched = set()
        for start in self._starts:
            first = (start - self.base) // CHUNK
            last = (self._extents[start].end - 1 - self.base) // CHUNK
            touched.update(range(first, last + 1))
        return {i: self.read(self.base + i * CHUNK, CHUNK) for i in sorted(touched)}


def _pattern(word: bytes, lo: int, hi: int) -> bytes:
    """The bytes ``[lo, hi)`` of memory filled with ``word`` from an aligned address."""
    offset = lo % 4
    repeats = (hi - lo + offset + 3) // 4
    return (word * repeats)[offset:offset + hi - lo]


@dataclass
class Block:
    """An allocated block: SDRAM bytes or router entries."""

    start: int
    size: int
    app_id: int
    tag: int = 0


class Allocator:
    """Allocation of ``[start, end)`` in ``align``-sized units, as SC&MP's
    heaps hand out SDRAM (and its router-entry allocator entries).

    As SC&MP's ``sark_xalloc``: a non-zero ``tag`` may be held by one block
    per app id at a time (another allocation with it fails, unless
    ``retry`` asks for the block already holding it and the size matches:
    SC&MP's ALLOC_TAG_RETRY, so that a resent request gets the same block).

    Allocation, freeing by address and tag look-ups take O(log n) steps in
    the number of blocks; only :meth:`free_app` visits every block.
    """

    def __init__(self, start: int, end: int, align: int = 1):
        self.start, self.end, self.align = start, end, align
        self.clear()

    def clear(self) -> None:
        """Free everything."""
        self.blocks: dict[int, Block] = {}  # allocated, by start
        self._starts: list[int] = []  # sorted starts of the blocks
        self._tags: dict[tuple[int, int], int] = {}  # (app id, tag) -> start
        self._gap_size: dict[int, int] = {}  # free gap start -> size
        self._gap_at_end: dict[int, int] = {}  # free gap end -> start
        self._bins: list[list] = [[] for _ in range(_BINS)]  # heaps of (-size, start)
        self._free = 0
        self._add_gap(self.start, self.end - self.start)

    # -- free gaps -------------------------------------------------------------

    def _add_gap(self, start: int, size: int) -> None:
        if size <= 0:
            return
        self._gap_size[start] = size
        self._gap_at_end[start + size] = start
        heapq.heappush(self._bins[min(size.bit_length(), _BINS - 1)], (-size, start))
        self._free += size

    def _remove_gap(self, start: int) -> int:
        size = self._gap_size.pop(start)
        del self._gap_at_end[start + size]
        self._free -= size
        return size  # its heap entry goes stale and is dropped when met

    def _top(self, k: int):
        """The largest live gap of size class ``k`` as (size, start), or None."""
        heap = self._bins[k]
        while heap:
            size, start = -heap[0][0], heap[0][1]
            if self._gap_size.get(start) == size:
                return size, start
            heapq.heappop(heap)
        return None

    def _find_gap(self, size: int):
        for k in range(min(size.bit_length(), _BINS - 1), _BINS):
            top = self._top(k)
            if top is not None and top[0] >= size:
                return top
        return None

    # -- blocks ----------------------------------------------------------------

    def alloc(self, size: int, app_id: int, tag: int = 0, retry: bool = False) -> int | None:
        """The start of a new block of ``size`` units, or None if none fits
        (or ``tag`` is held by another block of ``app_id``)."""
        size = -(-size // self.align) * self.align
        if size <= 0:
            return None
        if tag:
            held = self._tags.get((app_id, tag))
            if held is not None:
                return held if retry and self.blocks[held].size == size else None
        found = self._find_gap(size)
        if found is None:
            return None
        gap_size, at = found
        self._remove_gap(at)
        self._add_gap(at + size, gap_size - size)
        self.blocks[at] = Block(at, size, app_id, tag)
        bisect.insort(self._starts, at)
        if tag:
            self._tags[app_id, tag] = at
        return at

    def find(self, start: int) -> Block | None:
        return self.blocks.get(start)

    def tagged(self, app_id: int, tag: int) -> Block | None:
        """The block holding ``tag`` for ``app_id`` (SC&MP's ALLOC op 7)."""
        start = self._tags.get((app_id, tag))
        return None if start is None else self.blocks[start]

    def free(self, start: int) -> Block | None:
        """Free the block starting at ``start``; None if there is none."""
        block = self.blocks.pop(start, None)
        if block is None:
            return None
        del self._starts[bisect.bisect_left(self._starts, start)]
        if block.tag:
            self._tags.pop((block.app_id, block.tag), None)
        lo, hi = block.start, block.start + block.size
        left = self._gap_at_end.get(lo)
        if left is not None:  # join the free gap before
            self._remove_gap(left)
            lo = left
        if hi in self._gap_size:  # and the one after
            hi += self._remove_gap(hi)
        self._add_gap(lo, hi - lo)
        return block

    def free_app(self, app_id: int) -> list[Block]:
        """Free every block of ``app_id``; the blocks freed."""
        freed = [b for b in self.blocks.values() if b.app_id == app_id]
        for block in freed:
            self.free(block.start)
        return freed

    def owner(self, start: int, size: int) -> Block | None:
        """The block holding all of ``[start, start + size)``, if any."""
        i = bisect.bisect_right(self._starts, start) - 1
        if i < 0:
            return None
        block = self.blocks[self._starts[i]]
        return block if start + size <= block.start + block.size else None

    def free_total(self) -> int:
        return self._free

    def largest_free(self) -> int:
        for k in range(_BINS - 1, -1, -1):
            top = self._top(k)
            if top is not None:
                return top[0]
        return 0
