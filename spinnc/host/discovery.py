"""What machine a booted board is: its dimensions from the system variables,
then its working chips, cores and links from INFO on each chip, exploring
from (0, 0) over working links (as SC&MP's own point-to-point network does).
"""

from collections import deque

from ..machine import BOARD_OUTLINE, LINK_VECTORS, MAX_APP_CORES, MONITOR_CORE, Machine
from .controller import BoardController, ChipInfo
from .scp import State

SPINN5_DIMS = (8, 8)


def discover(board: BoardController) -> Machine:
    """The machine behind ``board``, with the dead chips, cores and links found.

    Chips of the width x height box that cannot be reached over working
    links count as dead; on a SpiNN-5 (8x8, hardware version 5) only the
    board's 48-chip outline exists.  Chips have as many application cores
    as the best chip has working (16 on most boards, 17 where all 18 cores
    work); a core is dead when INFO reports its state as DEAD.  The machine wraps around when a working
    link leaves the box.

    Parameters
    ----------
    board : BoardController
        A controller of a booted board.

    Returns
    -------
    Machine
    """
    board.ensure_booted()
    sv = board.system_variables(0, 0)
    width, height = sv.p2p_dims
    infos = explore(board, width, height)
    wrap = any(not (0 <= x + LINK_VECTORS[link][0] < width
                    and 0 <= y + LINK_VECTORS[link][1] < height)
               for (x, y), info in infos.items() for link in info.working_links)
    outline = (sv.p2p_dims == SPINN5_DIMS and sv.hw_ver == 5 and not wrap
               and set(infos) <= set(BOARD_OUTLINE))
    chips = frozenset(BOARD_OUTLINE) if outline else None
    box = [(x, y) for x in range(width) for y in range(height)]
    exists = set(BOARD_OUTLINE) if outline else set(box)
    dead_chips = sorted(exists - set(infos))
    # Application cores per chip: as many as the best chip has working.
    app_cores = max([sum(s != State.DEAD for s in info.core_states[1:MAX_APP_CORES + 1])
                     for info in infos.values()] + [1])
    dead_cores = sorted((x, y, core) for (x, y), info in infos.items()
                        for core in range(1, app_cores + 1)
                        if info.core_states[core] == State.DEAD)
    dead_links = []
    for (x, y), info in infos.items():
        for link, (dx, dy) in enumerate(LINK_VECTORS):
            other = ((x + dx) % width, (y + dy) % height) if wrap else (x + dx, y + dy)
            if other in infos and link not in info.working_links:
                dead_links.append((x, y, link))
    ethernet = sorted({info.nearest_ethernet for info in infos.values()})
    return Machine(width, height, wrap=wrap, chips=chips, app_cores=app_cores,
                   ethernet_chips=tuple(ethernet) or ((0, 0),), dead_chips=dead_chips,
                   dead_cores=[c for c in dead_cores if c[2] != MONITOR_CORE],
                   dead_links=dead_links)


def explore(board: BoardController, width: int, height: int) -> dict[tuple[int, int], ChipInfo]:
    """INFO of every chip reachable from (0, 0) over working links."""
    infos: dict = {}
    queue = deque([(0, 0)])
    seen = {(0, 0)}
    while queue:
        x, y = queue.popleft()
        info = board.info(x, y)
        infos[x, y] = info
        for link in info.working_links:
            dx, dy = LINK_VECTORS[link]
            other = ((x + dx) % width, (y + dy) % height)
            if other not in seen:
                seen.add(other)
                queue.append(other)
    return infos
