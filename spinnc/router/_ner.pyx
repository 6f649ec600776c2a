# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
"""The compiled loop of spinnc.router.trees: neighbour-exploring routing.

Chips are numbered ``x * height + y``.  ``far_end[chip * 6 + link]`` is the
chip at the far end of a working link, or -1.  Each net's tree is written as
rows (net, chip, route bits, source bits), one per chip it passes.
"""

from libc.stdint cimport int64_t

DEF CORE_BIT = 6


cdef inline int64_t _abs(int64_t v) noexcept nogil:
    return -v if v < 0 else v


cdef inline int64_t _mesh(int64_t dx, int64_t dy) noexcept nogil:
    # Links move by (1, 0), (0, 1) or (1, 1) and their negatives.
    cdef int64_t ax = _abs(dx), ay = _abs(dy)
    if (dx >= 0) == (dy >= 0):
        return ax if ax > ay else ay
    return ax + ay


cdef inline int64_t _displacement(int64_t ax, int64_t ay, int64_t bx, int64_t by,
                                  int64_t w, int64_t h, bint wrap,
                                  int64_t *out_dx, int64_t *out_dy) noexcept nogil:
    """The fewest hops from a to b, and the (wrap-aware) displacement taking them."""
    cdef int64_t dx = bx - ax, dy = by - ay, best, hops, ox, oy, i
    if not wrap:
        out_dx[0] = dx
        out_dy[0] = dy
        return _mesh(dx, dy)
    dx = ((dx % w) + w) % w
    dy = ((dy % h) + h) % h
    best = -1
    for i in range(4):
        ox = -w if i & 1 else 0
        oy = -h if i & 2 else 0
        hops = _mesh(dx + ox, dy + oy)
        if best < 0 or hops < best:
            best = hops
            out_dx[0] = dx + ox
            out_dy[0] = dy + oy
    return best


cdef int64_t _moves(int64_t dx, int64_t dy, int64_t *links, int64_t *counts) noexcept nogil:
    """A shortest displacement as up to three (link, count) moves."""
    cdef int64_t n = 0, diagonal
    if (dx >= 0) == (dy >= 0):
        diagonal = _abs(dx) if _abs(dx) < _abs(dy) else _abs(dy)
        if diagonal:
            links[n] = 1 if dx > 0 else 4  # north-east / south-west
            counts[n] = diagonal
            n += 1
            if dx > 0:
                dx -= diagonal
                dy -= diagonal
            else:
                dx += diagonal
                dy += diagonal
    if dx:
        links[n] = 0 if dx > 0 else 3  # east / west
        counts[n] = _abs(dx)
        n += 1
    if dy:
        links[n] = 2 if dy > 0 else 5  # north / south
        counts[n] = _abs(dy)
        n += 1
    return n


def route_nets(int64_t width, int64_t height, bint wrap, int64_t[::1] far_end,
               int64_t[::1] source_chip, int64_t[::1] source_core,
               int64_t[::1] sink_ptr, int64_t[::1] sink_chip, int64_t[::1] sink_bits,
               int64_t[::1] out_net, int64_t[::1] out_chip, int64_t[::1] out_route,
               int64_t[::1] out_source, int64_t[::1] scratch, int64_t[::1] failure):
    """Route every net; returns the number of rows written.

    Returns -1 when a sink cannot be reached (``failure`` gets the net and
    the chip) and -2 when the output arrays are too small.  ``scratch`` holds
    ``8 * n_chips`` integers, initialised to 0.
    """
    cdef int64_t n_chips = width * height
    cdef int64_t *tree_mark = &scratch[0]          # net + 1 when the chip is in its tree
    cdef int64_t *row_of = &scratch[n_chips]       # the chip's row for the current net
    cdef int64_t *tree = &scratch[2 * n_chips]     # the current tree's chips
    cdef int64_t *path_chip = &scratch[3 * n_chips]
    cdef int64_t *path_link = &scratch[4 * n_chips]
    cdef int64_t *seen = &scratch[5 * n_chips]     # breadth-first search stamps
    cdef int64_t *parent = &scratch[6 * n_chips]
    cdef int64_t *queue = &scratch[7 * n_chips]
    cdef int64_t capacity = out_net.shape[0], rows = 0, searches = 0
    cdef int64_t n_nets = source_chip.shape[0]
    cdef int64_t net, stamp, tree_n, j, k, a, b, t, s, best, hops, start, c, l, nxt
    cdef int64_t dx, dy, n_moves, m, step, path_n, joined, head, tail, found
    cdef int64_t links[3]
    cdef int64_t counts[3]
    cdef int64_t order[4096]
    cdef int64_t dist[4096]
    cdef bint flip

    # Typed C throughout: no Python objects in the loop.
    for net in range(n_nets):
        stamp = net + 1
        flip = net & 1  # alternate move order so load spreads over links
        s = source_chip[net]
        if rows >= capacity:
            return -2
        out_net[rows] = net
        out_chip[rows] = s
        out_route[rows] = 0
        out_source[rows] = 1 << (CORE_BIT + source_core[net])
        tree_mark[s] = stamp
        row_of[s] = rows
        rows += 1
        tree[0] = s
        tree_n = 1
        # Sinks nearest the source first (insertion sort: fan-outs are small).
        a = sink_ptr[net]
        b = sink_ptr[net + 1]
        if b - a > 4096:
            failure[0] = net
            failure[1] = -1
            return -1
        for j in range(b - a):
            dist[j] = _displacement(s // height, s % height, sink_chip[a + j] // height,
                                    sink_chip[a + j] % height, width, height, wrap,
                                    &dx, &dy)
            k = j
            while k > 0 and dist[order[k - 1]] > dist[j]:
                order[k] = order[k - 1]
                k -= 1
            order[k] = j
        for j in range(b - a):
            t = sink_chip[a + order[j]]
            if tree_mark[t] != stamp:
                # Join from the nearest chip already in the tree.
                best = -1
                start = s
                for k in range(tree_n):
                    hops = _displacement(tree[k] // height, tree[k] % height,
                                         t // height, t % height, width, height, wrap,
                                         &dx, &dy)
                    if best < 0 or hops < best:
                        best = hops
                        start = tree[k]
                _displacement(start // height, start % height, t // height, t % height,
                              width, height, wrap, &dx, &dy)
                n_moves = _moves(dx, dy, links, counts)
                path_n = 0
                c = start
                for m in range(n_moves):
                    l = links[n_moves - 1 - m] if flip else links[m]
                    step = counts[n_moves - 1 - m] if flip else counts[m]
                    while step > 0 and c >= 0:
                        path_chip[path_n] = c
                        path_link[path_n] = l
                        path_n += 1
                        c = far_end[c * 6 + l]
                        step -= 1
                if c != t:
                    # A dead chip or link is in the way: breadth-first
                    # search back from the sink to any chip of the tree.
                    searches += 1
                    seen[t] = searches
                    queue[0] = t
                    head = 0
                    tail = 1
                    found = -1
                    while head < tail:
                        c = queue[head]
                        head += 1
                        if tree_mark[c] == stamp:
                            found = c
                            break
                        for l in range(6):
                            nxt = far_end[c * 6 + l]
                            if nxt >= 0 and seen[nxt] != searches \
                                    and far_end[nxt * 6 + (l + 3) % 6] == c:
                                seen[nxt] = searches
                                parent[nxt] = c * 6 + (l + 3) % 6  # nxt's way to c
                                queue[tail] = nxt
                                tail += 1
                    if found < 0:
                        failure[0] = net
                        failure[1] = t
                        return -1
                    path_n = 0
                    c = found
                    while c != t:
                        path_chip[path_n] = c
                        path_link[path_n] = parent[c] % 6
                        path_n += 1
                        c = far_end[c * 6 + parent[c] % 6]
                # Join at the last chip of the path already in the tree.
                joined = 0
                for k in range(path_n):
                    if tree_mark[path_chip[k]] == stamp:
                        joined = k
                for k in range(joined, path_n):
                    c = path_chip[k]
                    l = path_link[k]
                    nxt = far_end[c * 6 + l]
                    out_route[row_of[c]] |= 1 << l
                    if rows >= capacity:
                        return -2
                    out_net[rows] = net
                    out_chip[rows] = nxt
                    out_route[rows] = 0
                    out_source[rows] = 1 << ((l + 3) % 6)
                    tree_mark[nxt] = stamp
                    row_of[nxt] = rows
                    rows += 1
                    tree[tree_n] = nxt
                    tree_n += 1
            out_route[row_of[t]] |= sink_bits[a + order[j]]
    return rows
