# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""The compiled move loop of spinnc.mapper.place.anneal.

State: each vertex's chip coordinates and core slot; slots are numbered chip
by chip (chip ``c`` owns slots ``chip_ptr[c]:chip_ptr[c + 1]``, one per
working application core) and hold a vertex or -1.  Nets are lists of unique
member vertices with a weight; each net's current cost is cached, so a move
re-costs only the nets of the vertices it moves.
"""

import numpy as np

from libc.math cimport exp, sqrt
from libc.stdint cimport int64_t, uint64_t
from libc.stdlib cimport qsort


cdef extern from *:
    # gcc/clang builtin: index of the lowest set bit (argument non-zero).
    int __builtin_ctzll(unsigned long long) nogil


cdef struct State:
    int64_t width, height
    bint wrap, small_ring
    int64_t *x
    int64_t *y
    int64_t *slot          # vertex -> slot
    int64_t *slot_vertex   # slot -> vertex or -1
    int64_t *chip_ptr      # chip -> its first slot (CSR)
    int64_t *sdram         # vertex -> bytes
    int64_t *free_sdram    # chip -> bytes
    int64_t *net_ptr       # net -> its first member (CSR)
    int64_t *net_members
    double *weight
    double *net_cost       # cached cost of each net
    int64_t *vertex_ptr    # vertex -> its first net (CSR)
    int64_t *vertex_nets
    int64_t *movable       # vertices on at least one net, not pinned
    int64_t *pinned        # vertex -> 1 if it stays where it is (a cluster's cores)
    int64_t n_movable
    int64_t *stamp         # net -> the move that last re-costed it
    int64_t epoch
    int64_t *changed       # nets re-costed by the current move ...
    double *changed_cost   # ... and their new costs
    int64_t *xs            # scratch for sorting one net's coordinates
    int64_t *ys
    uint64_t rng
    double cost


cdef inline uint64_t _splitmix64(uint64_t *state) noexcept nogil:
    # SplitMix64 (Steele, Lea and Flood 2014): small, fast, good enough for moves.
    state[0] += 0x9E3779B97F4A7C15ULL
    cdef uint64_t z = state[0]
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    return z ^ (z >> 31)


cdef inline int64_t _below(uint64_t *state, int64_t n) noexcept nogil:
    """A uniform integer in [0, n) for 0 < n < 2**32 (multiply-shift)."""
    return <int64_t>(((_splitmix64(state) >> 32) * <uint64_t>n) >> 32)


cdef inline double _uniform(uint64_t *state) noexcept nogil:
    return (_splitmix64(state) >> 11) * (1.0 / 9007199254740992.0)


cdef inline int64_t _ring_span(uint64_t occupied, int64_t length) noexcept nogil:
    """Length of the shortest arc covering the set bits of ``occupied`` on a
    ring of ``length`` <= 64 positions: the ring less its widest gap.  The
    bits come out in order, so nothing needs sorting."""
    cdef int64_t first = __builtin_ctzll(occupied), previous = first, position, widest
    widest = 0
    occupied &= occupied - 1
    while occupied:
        position = __builtin_ctzll(occupied)
        if position - previous > widest:
            widest = position - previous
        previous = position
        occupied &= occupied - 1
    if first + length - previous > widest:
        widest = first + length - previous
    return length - widest


cdef int _compare(const void *a, const void *b) noexcept nogil:
    cdef int64_t x = (<const int64_t *>a)[0], y = (<const int64_t *>b)[0]
    return (x > y) - (x < y)


cdef inline int64_t _span(int64_t *c, int64_t k, int64_t length) noexcept nogil:
    """Length of the shortest arc covering c[0:k] on a ring of ``length``
    (any size); sorts c in place."""
    cdef int64_t i, j, v, widest
    if k < 32:
        for i in range(1, k):
            v = c[i]
            j = i - 1
            while j >= 0 and c[j] > v:
                c[j + 1] = c[j]
                j -= 1
            c[j + 1] = v
    else:
        qsort(c, k, sizeof(int64_t), _compare)
    widest = c[0] + length - c[k - 1]
    for i in range(1, k):
        if c[i] - c[i - 1] > widest:
            widest = c[i] - c[i - 1]
    return length - widest


cdef double _net_cost(State *s, int64_t n) noexcept nogil:
    """Weight x half-perimeter of net n's (wrap-aware) bounding box."""
    cdef int64_t i, v, k = 0, lo_x, hi_x, lo_y, hi_y
    cdef uint64_t on_x = 0, on_y = 0
    if s.small_ring:
        # Tori up to 64 chips a side: coordinates as the bits of a word.
        for i in range(s.net_ptr[n], s.net_ptr[n + 1]):
            v = s.net_members[i]
            on_x |= (<uint64_t>1) << s.x[v]
            on_y |= (<uint64_t>1) << s.y[v]
        return s.weight[n] * (_ring_span(on_x, s.width) + _ring_span(on_y, s.height))
    if not s.wrap:
        v = s.net_members[s.net_ptr[n]]
        lo_x = hi_x = s.x[v]
        lo_y = hi_y = s.y[v]
        for i in range(s.net_ptr[n] + 1, s.net_ptr[n + 1]):
            v = s.net_members[i]
            lo_x, hi_x = min(lo_x, s.x[v]), max(hi_x, s.x[v])
            lo_y, hi_y = min(lo_y, s.y[v]), max(hi_y, s.y[v])
        return s.weight[n] * (hi_x - lo_x + hi_y - lo_y)
    for i in range(s.net_ptr[n], s.net_ptr[n + 1]):
        v = s.net_members[i]
        s.xs[k] = s.x[v]
        s.ys[k] = s.y[v]
        k += 1
    return s.weight[n] * (_span(s.xs, k, s.width) + _span(s.ys, k, s.height))


cdef double _touch(State *s, int64_t v, int64_t *count) noexcept nogil:
    """Re-cost the nets of vertex v not yet re-costed in this move, record
    their new costs and return the change."""
    cdef int64_t i, n
    cdef double new, delta = 0.0
    for i in range(s.vertex_ptr[v], s.vertex_ptr[v + 1]):
        n = s.vertex_nets[i]
        if s.stamp[n] == s.epoch:
            continue
        s.stamp[n] = s.epoch
        new = _net_cost(s, n)
        s.changed[count[0]] = n
        s.changed_cost[count[0]] = new
        count[0] += 1
        delta += new - s.net_cost[n]
    return delta


cdef void _steps(State *s, int64_t steps, int64_t radius, double temperature,
                 int64_t *evaluated, int64_t *accepted, double *total,
                 double *total_sq) noexcept nogil:
    cdef int64_t step, v, u, slot, c, tc, tx, ty, vx, vy, first, n_slots, count, i
    cdef int64_t side = 2 * radius + 1
    cdef double delta
    for step in range(steps):
        v = s.movable[_below(&s.rng, s.n_movable)]
        vx, vy = s.x[v], s.y[v]
        tx = vx + _below(&s.rng, side) - radius
        ty = vy + _below(&s.rng, side) - radius
        if s.wrap:
            tx = ((tx % s.width) + s.width) % s.width
            ty = ((ty % s.height) + s.height) % s.height
        elif tx < 0 or tx >= s.width or ty < 0 or ty >= s.height:
            continue
        tc = tx * s.height + ty
        first = s.chip_ptr[tc]
        n_slots = s.chip_ptr[tc + 1] - first
        if n_slots == 0 or (tx == vx and ty == vy):
            continue
        # A random core of the target chip: free -> move there, taken -> swap.
        slot = first + _below(&s.rng, n_slots)
        u = s.slot_vertex[slot]
        c = vx * s.height + vy
        if u >= 0 and s.pinned[u]:
            continue
        if u < 0:
            if s.free_sdram[tc] < s.sdram[v]:
                continue
        elif (s.free_sdram[tc] + s.sdram[u] < s.sdram[v]
              or s.free_sdram[c] + s.sdram[v] < s.sdram[u]):
            continue

        s.x[v], s.y[v] = tx, ty
        if u >= 0:
            s.x[u], s.y[u] = vx, vy
        s.epoch += 1
        count = 0
        delta = _touch(s, v, &count)
        if u >= 0:
            delta += _touch(s, u, &count)
        evaluated[0] += 1
        total[0] += delta
        total_sq[0] += delta * delta

        if delta <= 0.0 or (temperature > 0.0
                            and _uniform(&s.rng) < exp(-delta / temperature)):
            accepted[0] += 1
            s.cost += delta
            for i in range(count):
                s.net_cost[s.changed[i]] = s.changed_cost[i]
            s.slot_vertex[s.slot[v]] = u
            s.slot_vertex[slot] = v
            if u >= 0:
                s.slot[u] = s.slot[v]
                s.free_sdram[c] += s.sdram[v] - s.sdram[u]
                s.free_sdram[tc] -= s.sdram[v] - s.sdram[u]
            else:
                s.free_sdram[c] += s.sdram[v]
                s.free_sdram[tc] -= s.sdram[v]
            s.slot[v] = slot
        else:
            s.x[v], s.y[v] = vx, vy
            if u >= 0:
                s.x[u], s.y[u] = tx, ty


cdef int64_t *_int64s(list keep, values):
    """A pointer into a fresh int64 copy of ``values`` (at least one
    element, so the pointer is valid), kept alive by ``keep``."""
    array = np.array(values, dtype=np.int64).ravel()
    cdef int64_t[::1] view = array if len(array) else np.zeros(1, dtype=np.int64)
    keep.append(view)
    return &view[0]


cdef double *_doubles(list keep, values):
    array = np.array(values, dtype=np.float64).ravel()
    cdef double[::1] view = array if len(array) else np.zeros(1)
    keep.append(view)
    return &view[0]


cdef class Annealer:
    """Placement state and the move loop; see ``spinnc.mapper.place.anneal``.

    Parameters are numpy arrays as named in the module docstring; the
    annealer works on its own copies.
    """

    cdef State s
    cdef list _arrays  # owns the memory the State points into
    cdef int64_t n_vertices, n_nets

    def __init__(self, int64_t width, int64_t height, bint wrap, x, y, slot, chip_ptr,
                 sdram, free_sdram, net_ptr, net_members, weight, vertex_ptr,
                 vertex_nets, uint64_t seed, pinned=None):
        keep = self._arrays = []
        self.n_vertices, self.n_nets = len(x), len(weight)
        s = &self.s
        s.width, s.height, s.wrap = width, height, wrap
        s.small_ring = wrap and width <= 64 and height <= 64
        s.x, s.y = _int64s(keep, x), _int64s(keep, y)
        s.slot = _int64s(keep, slot)
        slot_vertex = np.full(max(1, chip_ptr[-1]), -1, dtype=np.int64)
        slot_vertex[np.asarray(slot)] = np.arange(len(slot))
        s.slot_vertex = _int64s(keep, slot_vertex)
        s.chip_ptr = _int64s(keep, chip_ptr)
        s.sdram, s.free_sdram = _int64s(keep, sdram), _int64s(keep, free_sdram)
        s.net_ptr, s.net_members = _int64s(keep, net_ptr), _int64s(keep, net_members)
        s.weight = _doubles(keep, weight)
        s.net_cost = _doubles(keep, np.zeros(len(weight)))
        s.vertex_ptr, s.vertex_nets = _int64s(keep, vertex_ptr), _int64s(keep, vertex_nets)
        # Only vertices on some net are worth picking; the others move by
        # swaps.  Pinned ones never move.
        pinned = (np.zeros(len(x), dtype=np.int64) if pinned is None
                  else np.asarray(pinned, dtype=np.int64))
        s.pinned = _int64s(keep, pinned)
        movable = np.flatnonzero((np.diff(vertex_ptr) > 0) & (pinned == 0))
        s.movable, s.n_movable = _int64s(keep, movable), len(movable)
        s.stamp, s.epoch = _int64s(keep, np.zeros(len(weight))), 0
        most = 2 * int(np.diff(vertex_ptr).max(initial=0))  # nets one move can touch
        s.changed = _int64s(keep, np.zeros(most))
        s.changed_cost = _doubles(keep, np.zeros(most))
        widest = int(np.diff(net_ptr).max(initial=0))
        s.xs, s.ys = _int64s(keep, np.zeros(widest)), _int64s(keep, np.zeros(widest))
        s.rng = seed
        self.recompute_cost()

    @property
    def cost(self) -> float:
        """The total cost, kept up to date move by move."""
        return self.s.cost

    def recompute_cost(self) -> float:
        """Recompute every net's cost (clears rounding drift); returns the total."""
        cdef int64_t n
        cdef double total = 0.0
        for n in range(self.n_nets):
            self.s.net_cost[n] = _net_cost(&self.s, n)
            total += self.s.net_cost[n]
        self.s.cost = total
        return total

    def slots(self):
        """Each vertex's slot (a copy)."""
        return np.array(<int64_t[:self.n_vertices]> self.s.slot, dtype=np.int64)

    def run_steps(self, int64_t steps, int64_t radius, double temperature):
        """Attempt ``steps`` moves within ``radius`` chips in each axis at
        ``temperature`` (0: accept only moves that do not raise the cost).

        Returns
        -------
        (evaluated, accepted, mean, sd)
            Moves whose cost was evaluated (legal ones), moves accepted, and
            the mean and standard deviation of the evaluated cost changes.
        """
        cdef int64_t evaluated = 0, accepted = 0
        cdef double total = 0.0, total_sq = 0.0
        if self.s.n_movable == 0:
            return 0, 0, 0.0, 0.0
        with nogil:
            _steps(&self.s, steps, radius, temperature, &evaluated, &accepted, &total,
                   &total_sq)
        mean = total / evaluated if evaluated else 0.0
        variance = total_sq / evaluated - mean * mean if evaluated else 0.0
        return evaluated, accepted, mean, sqrt(max(variance, 0.0))
