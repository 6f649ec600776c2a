"""The ``spinnc`` command."""

import argparse
import sys

from .errors import SpinncError


def demo(args) -> None:
    """Build, quantise and map the demo model onto one SpiNN-5 board, printing
    each stage's summary."""
    from .demo import demo_model
    from .frontend import build, quantise
    from .machine import Machine
    from .mapper import allocate_keys, check_keys, partition, place, placement_summary

    network = demo_model(seed=args.seed)
    graph = build(network, dt=args.dt)
    fixed_graph, report = quantise(graph)
    print(graph.summary())
    print()
    print(f"Quantisation to fixed point ({report.saturated} values saturated)")
    print(report)

    machine = Machine.spinn5()
    mapped = partition(fixed_graph, machine)
    placements = place(mapped.vertices, mapped.nets, machine, placer=args.placer, seed=args.seed)
    keys = allocate_keys(mapped.nets, placements)
    check_keys(keys)
    print()
    print(f"Mapping onto one SpiNN-5 board: {machine}")
    print(mapped.summary())
    print()
    print(placement_summary(mapped.vertices, placements))
    print()
    print(routing_summary(mapped.nets, placements, keys, machine))


def routing_summary(nets, placements, keys, machine) -> str:
    """Route, table and minimise; check the result; the table size of each chip."""
    from .router import check, is_default_routable, minimise_chip, route, routing_tables
    from .table import format_table

    tables = routing_tables(route(nets, placements, machine), keys)
    minimised = {chip: minimise_chip(t, chip, machine.router_entries)
                 for chip, t in tables.items()}
    check(nets, placements, keys, minimised, machine)
    rows = [(f"({x}, {y})", len(t), int(is_default_routable(t).sum()), len(minimised[x, y]))
            for (x, y), t in sorted(tables.items())]
    return format_table(("chip", "entries", "default-routable", "after minimisation"), rows,
                        f"Routing tables ({len(tables)} chips; every net checked)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="spinnc", description="Compile and run Nengo models on SpiNNaker."
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser(
        "demo", help="build, quantise, map and route the demo model on one SpiNN-5 board")
    demo_parser.add_argument("--seed", type=int, default=0)
    demo_parser.add_argument("--dt", type=float, default=0.001)
    demo_parser.add_argument("--placer", default="anneal", help="hilbert or anneal")
    demo_parser.set_defaults(run=demo)

    from .router.commands import add_commands as add_table_commands

    add_table_commands(commands)
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except SpinncError as error:
        if args.debug:
            raise
        print(f"spinnc: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
