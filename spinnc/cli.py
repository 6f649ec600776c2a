"""The ``spinnc`` command."""

import argparse
import sys

from .errors import SpinncError


def demo(args) -> None:
    """Build and quantise the demo model; print its graph and quantisation report."""
    from .demo import demo_model
    from .frontend import build, quantise

    network = demo_model(seed=args.seed)
    graph = build(network, dt=args.dt)
    fixed_graph, report = quantise(graph)
    print(graph.summary())
    print()
    print(f"Quantisation to fixed point ({report.saturated} values saturated)")
    print(report)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="spinnc", description="Compile and run Nengo models on SpiNNaker."
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="build and quantise the demo model")
    demo_parser.add_argument("--seed", type=int, default=0)
    demo_parser.add_argument("--dt", type=float, default=0.001)
    demo_parser.set_defaults(run=demo)

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
