"""Routing-table minimisation: default-route removal, then ordered covering.

Ordered covering is the algorithm of Mundy, Heathcote and Garside, "On-chip
order-exploiting routing table minimization for a multicast supercomputer
network", IEEE HPSR 2016, written here from the paper's description:

* The table is kept sorted by *generality* (the number of don't-care bits).
* A merge replaces entries that have the same route by one entry whose
  key/mask covers them all (an X wherever they differ).  The merged entry goes
  in below every entry that is more specific than it (the insertion point),
  so those keep their priority.  (Above entries just as general: rig's
  implementation does so, and it is worth about nine entries a table here.)
* The *down-check*: the merged entry must not catch keys that reach entries
  below the insertion point with another route.  When it would, entries leave
  the merge so that one of the merged entry's X bits takes the value the
  caught keys do not have (the bit whose setting drops fewest entries).
* The *up-check*: an entry moved down to the insertion point must not have
  its keys caught by the entries it is moved below; such entries leave the
  merge.
* Greedy: the merge saving most entries is applied, until the table fits.

One change from the paper, which the HPSR 2016 benchmark favours by about
50 entries a table: the candidate merge of a route is found by clustering,
not by starting from all of the route's entries.  Clusters of entries are
joined two at a time, the pair whose joint cover is tightest (fewest X bits)
first, as long as the joint cover passes the down-check; the largest cluster
is the candidate.  The paper's rule (``clustered=False``) stays for
comparison, and for routes with more than :data:`CLUSTER_LIMIT` entries.

What must not change is where each packet that can reach the chip goes: the
keys of the original entries.  So each entry carries *aliases*, the original
key/mask cubes whose keys it answers for, and the checks test aliases rather
than whole merged cubes (rig's down-check does the same).  Entries removed for
default routing stay as aliases of an imaginary entry below the table: no
merged entry of another route may catch their keys (one with exactly their
route may: it does what default routing would).  Inputs whose entries overlap
are handled too: an entry is never sorted below an earlier entry it overlaps.

Speed comes from numpy (each check is a few whole-array bit operations) and
lazy evaluation: each route's candidate merge is cached, and recomputed only
when a merge applied elsewhere touches the key space its entries span (a
merge elsewhere can only change this route's checks through keys in that
space).  A route so touched keeps its last goodness as its priority -- merges
rarely grow as the table around them fills -- and a final sweep re-examines
every route touched since it was last evaluated.
"""

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from spinnc.arch import SPINN1
from spinnc.errors import RoutingTableOverflow

from .table import ENTRY, default_removable, intersects, matches_something, popcount

#: Routes with more entries than this use the paper's merge rule (clustering
#: costs time quadratic in the number of entries per join).
CLUSTER_LIMIT = 256

_BITS = np.uint32(1) << np.arange(32, dtype=np.uint32)


@dataclass
class _Merge:
    """A merge that passed both checks.  It stays valid while no other merge
    touches its key space, so it names entries by id, not position."""

    members: np.ndarray  # entry ids
    key: int
    mask: int

    @property
    def goodness(self) -> int:
        return len(self.members) - 1


def _cover(keys: np.ndarray, masks: np.ndarray) -> tuple[np.uint32, np.uint32]:
    """The smallest key/mask containing all the given ones."""
    all_one = np.bitwise_and.reduce(keys)
    mask = np.bitwise_and.reduce(masks) & ~(np.bitwise_or.reduce(keys) ^ all_one)
    return all_one & mask, mask


def _generality(mask) -> int:
    return 32 - int(mask).bit_count()


class _Rivals:
    """The aliases (of other routes) that a merge of one route's entries may
    catch, with a fast down-check: which of them lie below the insertion
    point of a candidate key/mask and intersect it."""

    def __init__(self, covering: "_OrderedCovering", route, key, mask):
        c = covering
        owner_position = c.position[c.alias_owner]
        touching = np.flatnonzero((c.alias_route != route)
                                  & intersects(c.alias_key, c.alias_mask, key, mask))
        order = touching[np.argsort(owner_position[touching], kind="stable")]
        self.key, self.mask = c.alias_key[order], c.alias_mask[order]
        # first[g]: the first rival below the insertion point of generality g.
        insert = np.searchsorted(c.level, np.arange(33), side="left")
        self.first = np.searchsorted(owner_position[order], insert, side="left")
        # Candidates tested at once by passing(): bounds its memory.
        self.batch = max(1, (1 << 18) // max(1, len(order)))

    def caught(self, key, mask) -> np.ndarray:
        """Indices (into self.key/mask) of the rivals a merged key/mask would catch."""
        start = self.first[_generality(mask)]
        hit = intersects(self.key[start:], self.mask[start:], key, mask)
        return start + np.flatnonzero(hit)

    def passes(self, key, mask) -> bool:
        start = self.first[_generality(mask)]
        return not intersects(self.key[start:], self.mask[start:], key, mask).any()

    def passing(self, keys, masks) -> np.ndarray:
        """:meth:`passes` for many key/masks of one generality at once."""
        start = self.first[_generality(masks[0])]
        return ~intersects(self.key[start:], self.mask[start:],
                           keys[:, None], masks[:, None]).any(axis=1)


class _OrderedCovering:
    """The working state of one ordered-covering run.

    Entries are held in table order (sorted by ``level``, their generality)
    in parallel arrays; each has a stable id.  Aliases are parallel arrays of
    key, mask, route and owner id; the imaginary entry below the table, which
    answers for the default-routed keys, has id ``bottom``.
    """

    def __init__(self, table: np.ndarray, level: np.ndarray, defaults: np.ndarray,
                 clustered: bool = True):
        n = len(table)
        self.clustered = clustered
        self.key = table["key"].astype(np.uint32)
        self.mask = table["mask"].astype(np.uint32)
        self.route = table["route"].astype(np.uint32)
        self.source = table["source"].astype(np.uint32)
        self.level = level.astype(np.int64)
        self.ids = np.arange(n)
        self.next_id = n
        self.bottom = 2 * n  # merges make at most n - 1 ids more
        self.position = np.full(self.bottom + 1, np.iinfo(np.int64).max // 2)
        self.position[:n] = np.arange(n)
        self.alias_key = np.concatenate([self.key, defaults["key"].astype(np.uint32)])
        self.alias_mask = np.concatenate([self.mask, defaults["mask"].astype(np.uint32)])
        self.alias_route = np.concatenate([self.route, defaults["route"].astype(np.uint32)])
        self.alias_owner = np.concatenate([self.ids, np.full(len(defaults), self.bottom)])

    def __len__(self) -> int:
        return len(self.key)

    def table(self) -> np.ndarray:
        out = np.empty(len(self), dtype=ENTRY)
        out["key"], out["mask"], out["route"], out["source"] = (
            self.key, self.mask, self.route, self.source)
        return out

    def _insert(self, mask) -> int:
        """Insertion point of a merged entry: below every more specific entry,
        above the rest."""
        return int(np.searchsorted(self.level, _generality(mask), side="left"))

    # -- finding a merge ---------------------------------------------------

    def best_merge_of(self, route) -> _Merge | None:
        """The candidate merge of the entries with ``route`` that passes both
        checks, or None if no merge of two or more does."""
        members = np.flatnonzero(self.route == route)
        if len(members) < 2:
            return None
        key, mask = _cover(self.key[members], self.mask[members])
        rivals = _Rivals(self, route, key, mask)  # merges only shrink from here
        if self.clustered and len(members) <= CLUSTER_LIMIT:
            members = self._cluster(members, rivals)
        is_member = np.zeros(self.bottom + 1, dtype=bool)
        is_member[self.ids[members]] = True
        upchecked = False
        while len(members) >= 2:
            key, mask = _cover(self.key[members], self.mask[members])
            caught = rivals.caught(key, mask)
            if len(caught):  # the down-check failed
                members = self._avoid(members, rivals.key[caught], rivals.mask[caught], mask)
                continue
            if upchecked:
                break
            upchecked = True
            # Up-check: drop blocked members, the lowest first (dropping it
            # may lift the insertion point above the others' blockers), then
            # redo the down-check, as the insertion point moved up.
            insert = self._insert(mask)
            blocked = self._blocked(members, insert, is_member)
            while len(blocked) and len(members) >= 2:
                members = members[members != blocked[-1]]
                is_member[self.ids[blocked[-1]]] = False
                insert = self._insert(_cover(self.key[members], self.mask[members])[1])
                blocked = self._blocked(members, insert, is_member)
        if len(members) < 2:
            return None
        return _Merge(self.ids[members], int(key), int(mask))

    def _cluster(self, members: np.ndarray, rivals: _Rivals) -> np.ndarray:
        """The largest cluster of ``members`` whose cover passes the
        down-check, by agglomeration: repeatedly join the two clusters whose
        joint cover has the fewest X bits and passes."""
        keys, masks = self.key[members], self.mask[members]
        if rivals.passes(*_cover(keys, masks)):
            return members
        k = len(members)
        keys, masks = keys.copy(), masks.copy()  # each cluster's cover, at its lowest member
        label = np.arange(k)
        index = np.arange(k)
        alive = np.ones(k, dtype=bool)

        def joint(a, b):
            """Joint covers of clusters a and b (broadcasting)."""
            all_one = keys[a] & keys[b]
            mask = masks[a] & masks[b] & ~((keys[a] | keys[b]) ^ all_one)
            return all_one & mask, mask

        # tight[a, b] (a < b): care bits of the joint cover; -1: not a candidate.
        tight = np.triu(popcount(joint(index[:, None], index)[1]), 1)
        tight[np.tril_indices(k)] = -1
        while (best := tight.max()) >= 0:
            # Test every pair this tight at once (they share an insertion point).
            pairs = np.flatnonzero(tight == best)[:rivals.batch]
            a, b = np.divmod(pairs, k)
            key, mask = joint(a, b)
            passing = rivals.passing(key, mask)
            tight[a[~passing], b[~passing]] = -1
            if not passing.any():
                continue
            first = np.argmax(passing)
            i, j = a[first], b[first]  # i < j: clusters are named by their lowest member
            keys[i], masks[i] = key[first], mask[first]
            label[label == j] = i
            alive[j] = False
            tight[j, :] = tight[:, j] = -1
            row = popcount(joint(i, index)[1])
            row[~alive] = -1
            tight[:i, i] = row[:i]
            tight[i, i + 1:] = row[i + 1:]
        sizes = np.bincount(label, minlength=k)
        return members[label == np.argmax(sizes)]

    def _avoid(self, members, caught_key, caught_mask, mask) -> np.ndarray:
        """The paper's down-check repair: drop members so that the merged entry
        stops catching some caught aliases, by giving one of its X bits the
        value those aliases do not have.  Considers the most constrained
        aliases (fewest such bits) and, of their bits, the one whose setting
        drops fewest members (ties: the most significant)."""
        settable = caught_mask & ~mask
        count = popcount(settable)
        if count.min() == 0:
            return members[:0]  # an alias no subset of the merge can avoid
        tight = count == count.min()
        settable, values = settable[tight], caught_key[tight]
        keys, masks = self.key[members], self.mask[members]
        # drop[v, b]: members with an X in bit b or with value v there.
        is_x = (masks[:, None] & _BITS) == 0
        is_one = (keys[:, None] & _BITS) != 0
        drop = np.stack([(is_x | ~is_one).sum(axis=0), (is_x | is_one).sum(axis=0)])
        alias_one = ((values[:, None] & _BITS) != 0).astype(np.intp)
        cost = np.where((settable[:, None] & _BITS) != 0,
                        drop[alias_one, np.arange(32)], len(members) + 1)
        row, bit = np.unravel_index(np.argmin(cost * 64 - np.arange(32)), cost.shape)
        keep = ~(is_x[:, bit] | (is_one[:, bit] == bool(alias_one[row, bit])))
        return members[keep]

    def _blocked(self, members, insert, is_member) -> np.ndarray:
        """Members (positions, ascending) with an alias that a non-member entry
        between the member and ``insert`` intersects."""
        top = members[0]
        if insert <= top + 1:
            return members[:0]
        between = np.arange(top + 1, insert)
        between = between[~is_member[self.ids[between]]]
        owner_position = self.position[self.alias_owner]
        mine = np.flatnonzero(is_member[self.alias_owner] & (owner_position < insert))
        if len(between) == 0 or len(mine) == 0:
            return members[:0]
        hit = (intersects(self.alias_key[mine, None], self.alias_mask[mine, None],
                          self.key[between], self.mask[between])
               & (between > owner_position[mine, None])).any(axis=1)
        return np.unique(owner_position[mine[hit]])

    # -- applying a merge --------------------------------------------------

    def apply(self, merge: _Merge) -> None:
        """Replace the merge's entries by the merged one."""
        members = np.sort(self.position[merge.members])
        key, mask = np.uint32(merge.key), np.uint32(merge.mask)
        insert = self._insert(mask)
        route = self.route[members[0]]
        source = np.bitwise_or.reduce(self.source[members])
        new_id = self.next_id
        self.next_id += 1
        # Keys of same-route aliases below that the merged entry now catches
        # are answered for by it: record the overlap as its alias too.
        owner_position = self.position[self.alias_owner]
        owned = np.isin(self.alias_owner, merge.members)
        overlap = np.flatnonzero(~owned & (owner_position >= insert)
                                 & (self.alias_route == route)
                                 & intersects(self.alias_key, self.alias_mask, key, mask))
        self.alias_owner[owned] = new_id
        self.alias_key = np.concatenate([self.alias_key, self.alias_key[overlap] | key])
        self.alias_mask = np.concatenate([self.alias_mask, self.alias_mask[overlap] | mask])
        self.alias_route = np.concatenate([self.alias_route, self.alias_route[overlap]])
        self.alias_owner = np.concatenate([self.alias_owner, np.full(len(overlap), new_id)])
        # The entry arrays: members out, the merged entry in.
        keep = np.ones(len(self), dtype=bool)
        keep[members] = False
        insert -= int(np.count_nonzero(members < insert))
        values = (key, mask, route, source, _generality(mask), new_id)
        for name, value in zip(("key", "mask", "route", "source", "level", "ids"), values):
            setattr(self, name, np.insert(getattr(self, name)[keep], insert, value))
        self.position[merge.members] = self.position[self.bottom]
        self.position[self.ids] = np.arange(len(self))

    # -- the greedy loop -----------------------------------------------------

    def run(self, target: int | None) -> None:
        """Apply the best merge until the table has at most ``target``
        entries (None: until no merge saves anything)."""
        routes = np.unique(self.route)
        n_routes = len(routes)
        cached: list[_Merge | None] = [None] * n_routes
        fresh = np.zeros(n_routes, dtype=bool)  # cached[i] is up to date
        # Priority: the cached goodness, or an estimate while not fresh.
        priority = self._counts(routes) - 1
        span_key = np.zeros(n_routes, dtype=np.uint32)  # cover of each route's
        span_mask = np.zeros(n_routes, dtype=np.uint32)  # entries when evaluated
        while target is None or len(self) > target:
            best = priority.max(initial=0)
            if best <= 0:
                # Final sweep: whatever was touched since it was evaluated.
                counts = self._counts(routes)
                stale = ~fresh & (counts > 1)
                if not stale.any():
                    break
                priority[stale] = counts[stale] - 1
                continue
            top = np.flatnonzero(priority == best)
            ready = top[fresh[top]]
            if len(ready) == 0:  # evaluate the first stale route at the top
                i = top[0]
                members = self.route == routes[i]
                span_key[i], span_mask[i] = _cover(self.key[members], self.mask[members])
                cached[i] = self.best_merge_of(routes[i])
                priority[i] = cached[i].goodness if cached[i] is not None else 0
                fresh[i] = True
                continue
            i = ready[0]
            merge = cached[i]
            self.apply(merge)
            touched = intersects(span_key, span_mask, np.uint32(merge.key), np.uint32(merge.mask))
            fresh[touched] = False
            fresh[i] = False
            priority[i] = self._counts(routes)[i] - 1

    def _counts(self, routes) -> np.ndarray:
        return np.bincount(np.searchsorted(routes, self.route), minlength=len(routes))


def _levels(table: np.ndarray) -> np.ndarray:
    """Sort keys for the table: generality, but never below an earlier entry
    it overlaps (so sorting by level keeps what overlapping entries mean)."""
    key, mask = table["key"], table["mask"]
    level = 32 - popcount(mask)
    n = len(table)
    for start in range(0, n, 256):
        rows = np.arange(start, min(n, start + 256))
        earlier = intersects(key[rows, None], mask[rows, None], key, mask) & (
            np.arange(n) < rows[:, None])
        for row in rows[earlier.any(axis=1)]:  # in order: levels build on earlier ones
            level[row] = max(level[row], level[earlier[row - start]].max())
    return level


def minimise(table: np.ndarray, target: int | None = SPINN1.router_entries, full: bool = False, *,
             clustered: bool = True) -> np.ndarray:
    """Minimise a routing table without changing where any of its keys go.

    Parameters
    ----------
    table : ENTRY array
        In first-match order.
    target : int or None
        Stop as soon as the table has at most this many entries.
    full : bool
        Minimise as far as the algorithm goes, whatever ``target`` says.
    clustered : bool
        Find merges by clustering (default); False uses the paper's rule.

    Returns
    -------
    ENTRY array
        An equivalent table (see :func:`spinnc.router.equivalence.check_equivalent`):
        every key of an original entry is routed the same, or, for keys of a
        default-routable entry, may be default routed.  Keys that no entry
        matched may go anywhere.
    """
    table = np.asarray(table, dtype=ENTRY)
    table = table[matches_something(table)]  # entries that match nothing route nothing
    removable = default_removable(table)
    kept, removed = table[~removable], table[removable]
    if target is None:
        full = True
    if not full and len(kept) <= target:
        return kept
    level = _levels(kept)
    order = np.argsort(level, kind="stable")
    state = _OrderedCovering(kept[order], level[order], removed, clustered)
    state.run(None if full else target)
    return state.table()


def minimise_chip(table: np.ndarray, chip: tuple[int, int],
                  target: int = SPINN1.router_entries,
                  full: bool = False) -> np.ndarray:
    """:func:`minimise`, raising if the result does not fit ``target``.

    Raises
    ------
    RoutingTableOverflow
        Naming the chip and the entry counts before and after minimisation and
        the limit (also as attributes ``chip``, ``original``, ``minimised``,
        ``limit``).
    """
    return _fits(minimise(table, target, full), table, chip, target)


def _fits(result: np.ndarray, table: np.ndarray, chip, target: int) -> np.ndarray:
    if len(result) > target:
        error = RoutingTableOverflow(
            f"chip {tuple(chip)}: the routing table has {len(result)} entries after "
            f"minimisation ({len(table)} before), more than the {target} the router "
            "holds; spread the model over more chips, or give sources that share "
            "destinations keys that share a prefix")
        error.chip, error.original, error.minimised, error.limit = (
            tuple(chip), len(table), len(result), target)
        raise error
    return result


#: Entries over the target, summed over the chips that need minimising, from
#: which :func:`minimise_tables` spreads those chips over processes (below
#: it, starting them costs more than they save).
PARALLEL_EXCESS = 100_000


def minimise_tables(tables: dict, target: int = SPINN1.router_entries,
                    workers: int | None = None) -> dict:
    """:func:`minimise_chip` of every chip's table: ``{chip: table}``.

    The chips whose tables do not fit are minimised in ``workers`` processes
    (every CPU by default) when their entries over the target add up to
    :data:`PARALLEL_EXCESS` or more and this process runs no other thread
    (the workers are forked: a fork copies no other thread, so one holding a
    lock would leave it held; spawned workers would run the user's script
    again).  The result does not depend on how many processes ran.

    Raises
    ------
    RoutingTableOverflow
        For the first chip, in the tables' order, that does not fit.
    """
    workers = (os.cpu_count() or 1) if workers is None else int(workers)
    heavy = [chip for chip, t in tables.items() if len(t) > target]
    excess = sum(len(tables[chip]) - target for chip in heavy)
    done = {}
    if (workers > 1 and len(heavy) > 1 and excess >= PARALLEL_EXCESS
            and threading.active_count() == 1):
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(min(workers, len(heavy)), mp_context=context) as pool:
            done = dict(zip(heavy, pool.map(minimise, [tables[chip] for chip in heavy],
                                            [target] * len(heavy))))
    return {chip: (_fits(done[chip], table, chip, target) if chip in done
                   else minimise_chip(table, chip, target))
            for chip, table in tables.items()}
