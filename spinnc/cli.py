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


def compile_command(args) -> None:
    """Compile a model file into an Image directory."""
    from .compiler import compile_network
    from .modelfile import load_model

    network = load_model(args.model)
    machine = _machine(args.machine)
    n_steps = max(1, round(args.duration / args.dt))
    compiled = compile_network(network, machine, dt=args.dt, seed=args.seed, n_steps=n_steps,
                               placer=args.placer)
    image = compiled.image
    image.save(args.out)
    chips = {(c.x, c.y) for c in image.cores}
    sizes = [len(t) for t in image.tables.values()] or [0]
    stages = ", ".join(f"{stage} {seconds:.2f}" for stage, seconds in compiled.seconds.items())
    print(f"{args.model}: {len(image.cores)} cores on {len(chips)} chips of {machine}")
    print(f"routing: {sum(sizes)} entries on {len(image.tables)} chips (at most {max(sizes)})")
    print(f"seconds per stage: {stages}")
    print(f"wrote {args.out} ({n_steps} steps of {args.dt:g} s recorded)")


def _machine(spec: str):
    from .machine import Machine

    try:
        return Machine.from_spec(spec)
    except ValueError as error:
        raise SpinncError(str(error)) from None


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

    compile_parser = commands.add_parser(
        "compile", help="compile MODEL.py (which defines `model`) into an Image directory")
    compile_parser.add_argument("model", metavar="MODEL.py")
    compile_parser.add_argument("--machine", default="spinn5",
                                help="spinn3, spinn5, N-boards, WxH or a machine JSON file")
    compile_parser.add_argument("--out", required=True, metavar="IMAGE_DIR")
    compile_parser.add_argument("--duration", type=float, default=1.0,
                                help="seconds of recording to make room for")
    compile_parser.add_argument("--dt", type=float, default=0.001)
    compile_parser.add_argument("--seed", type=int, default=None)
    compile_parser.add_argument("--placer", default="anneal", help="hilbert or anneal")
    compile_parser.set_defaults(run=compile_command)

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
