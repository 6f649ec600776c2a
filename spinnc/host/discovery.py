"""What machine a booted board is: its dimensions from the system variables,
then its working chips, cores and links from INFO on each chip, exploring
from (0, 0) over working links (as SC&MP's own point-to-point network does).

A board's answers are checked before they are believed: the dimensions must
describe a machine (1-256 chips a side, at most ``max_chips`` in all), so a
board that lies can make discovery send at most as many INFO requests as the
chips it claims, and each INFO answer must be possible (1-18 cores, a nearest
Ethernet chip inside the machine).  Anything else is a :class:`ProtocolError`
naming the board.
"""

from ..errors import MachineError, ProtocolError
from ..machine import BOARD_OUTLINE, LINK_VECTORS, MAX_APP_CORES, MONITOR_CORE, Machine
from .connection import Request
from .controller import N_CORES, BoardController, ChipInfo, parse_info
from ..formats.scp import Command, State

SPINN5_DIMS = (8, 8)
#: The most chips discovery explores by default: a cabinet of 120 SpiNN-5
#: boards.  A board claiming more is refused before any INFO is sent.
MAX_CHIPS = 120 * 48


def _board(board: BoardController) -> str:
    host, port = board.connection.address
    return f"the board at {host}:{port}"


def discover(board: BoardController, max_chips: int = MAX_CHIPS) -> Machine:
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
    max_chips : int
        Refuse a board that claims more chips than this (INFO goes to each).

    Returns
    -------
    Machine

    Raises
    ------
    ProtocolError
        If the board reports an impossible machine (0 chips a side, more than
        ``max_chips``, an INFO answer no chip could give).
    """
    board.ensure_booted()
    sv = board.system_variables(0, 0)
    width, height = sv.p2p_dims
    if width < 1 or height < 1:
        raise ProtocolError(f"{_board(board)} reports a {width}x{height} machine (system "
                            "variable p2p_dims): no machine has no chips; it is not a "
                            "booted SpiNNaker board")
    if width * height > max_chips:
        raise ProtocolError(
            f"{_board(board)} reports a {width}x{height} machine ({width * height:,} chips), "
            f"more than the {max_chips:,} discovery explores: if it really is that big, "
            "call spinnc.host.discover(board, max_chips=...) and map onto that machine")
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
    try:
        return Machine(width, height, wrap=wrap, chips=chips, app_cores=app_cores,
                       ethernet_chips=tuple(ethernet) or ((0, 0),), dead_chips=dead_chips,
                       dead_cores=[c for c in dead_cores if c[2] != MONITOR_CORE],
                       dead_links=dead_links)
    except (MachineError, ValueError) as error:
        raise ProtocolError(f"{_board(board)} reports a machine that cannot be: {error}") \
            from None


def explore(board: BoardController, width: int, height: int) -> dict[tuple[int, int], ChipInfo]:
    """INFO of every chip reachable from (0, 0) over working links: one
    pipelined round of INFO requests per hop from (0, 0), each chip asked
    once, so at most ``width * height`` requests."""
    infos: dict = {}
    seen = {(0, 0)}
    frontier = [(0, 0)]
    while frontier:
        replies = board.connection.transact_many(Request(Command.INFO, chip)
                                                  for chip in frontier)
        following = []
        for (x, y), reply in zip(frontier, replies):
            info = check_info(board, parse_info(x, y, reply), width, height)
            infos[x, y] = info
            for link in info.working_links:
                dx, dy = LINK_VECTORS[link]
                other = ((x + dx) % width, (y + dy) % height)
                if other not in seen:
                    seen.add(other)
                    following.append(other)
        frontier = following
    return infos


def check_info(board: BoardController, info: ChipInfo, width: int, height: int) -> ChipInfo:
    """``info`` if a chip of a ``width`` x ``height`` machine could have sent it."""
    where = f"{_board(board)}: INFO of chip ({info.x}, {info.y})"
    if not 1 <= info.n_cores <= N_CORES:
        raise ProtocolError(f"{where} reports {info.n_cores} working cores; a chip has 1 "
                            f"(its monitor) to {N_CORES}")
    ex, ey = info.nearest_ethernet
    if not (ex < width and ey < height):
        raise ProtocolError(f"{where} names ({ex}, {ey}) as its Ethernet chip, outside the "
                            f"{width}x{height} machine the board reports")
    return info
