"""The ``spinnc`` command."""

import argparse
import sys

import numpy as np

from .errors import SpinncError
from .table import format_table


def demo(args) -> None:
    """Build, quantise, map and route the demo model on one SpiNN-5 board, run it
    on the emulator in fixed and float point, and compare with nengo."""
    from .compiler import compile_network
    from .demo import demo_model
    from .firmware_sim import Emulator
    from .frontend import reference
    from .machine import Machine
    from .mapper import placement_summary

    n_steps = max(1, round(args.duration / args.dt))
    compiled = compile_network(demo_model(seed=args.seed), Machine.spinn5(), dt=args.dt,
                               seed=args.seed, n_steps=n_steps, placer=args.placer)
    image = compiled.image
    print(compiled.graph.summary())
    print()
    print(f"Quantisation to fixed point ({compiled.quantisation.saturated} values saturated)")
    print(compiled.quantisation)
    print()
    print(f"Mapping onto one SpiNN-5 board: {image.machine}")
    print(compiled.partition.summary())
    print()
    print(placement_summary(compiled.partition.vertices, compiled.placements))
    print()
    print(routing_summary(compiled.tables, image.tables))

    runs = {}
    for precision in ("fixed", "float"):
        emulator = Emulator(image, precision=precision)
        emulator.run(n_steps)
        runs[precision] = emulator
    expected = reference(demo_model(seed=args.seed), n_steps * args.dt, dt=args.dt, seed=args.seed)
    print()
    print(comparison_table(runs["fixed"].recordings(), runs["float"].recordings(), expected,
                           compiled.graph))
    print()
    print(run_summary(runs["fixed"].provenance(), image, n_steps * args.dt))


def routing_summary(generated: dict, minimised: dict) -> str:
    """Each chip's routing-table size, as generated and after minimisation."""
    from .router import is_default_routable

    rows = [(f"({x}, {y})", len(t), int(is_default_routable(t).sum()), len(minimised[x, y]))
            for (x, y), t in sorted(generated.items())]
    return format_table(("chip", "entries", "default-routable", "after minimisation"), rows,
                        f"Routing tables ({len(generated)} chips; every net checked)")


def comparison_table(fixed: dict, floating: dict, expected: dict, graph) -> str:
    """Per value probe: RMS error of the fixed and float emulations against
    nengo's reference, and the reference's own RMS."""
    def rms(a):
        return float(np.sqrt(np.mean(np.square(a))))

    rows = [(name, f"{rms(fixed[name] - expected[name]):.4f}",
             f"{rms(floating[name] - expected[name]):.4f}", f"{rms(expected[name]):.4f}")
            for name, probe in graph.probes.items() if probe.kind == "value"]
    return format_table(("probe", "RMS error fixed", "RMS error float", "reference RMS"),
                        rows, "Emulation against nengo's float reference")


def run_summary(provenance, image, seconds: float) -> str:
    chips = {(c.x, c.y) for c in image.cores}
    dropped = sum(r.dropped for r in provenance.routers)
    sent = sum(c.packets_sent for c in provenance.cores)
    busiest = max(provenance.cores, key=lambda c: c.max_cycles)
    return "\n".join([
        f"Ran {seconds:g} s ({provenance.ticks} ticks) on {len(image.cores)} cores of "
        f"{len(chips)} chip{'s' * (len(chips) != 1)}",
        f"most cycles in a tick: {busiest.max_cycles:,} of {provenance.cycles_per_tick:,} "
        f"(core {busiest.core} of chip ({busiest.x}, {busiest.y}), {busiest.name})",
        f"overruns: {sum(c.overruns for c in provenance.cores)}; packets sent: {sent:,}; "
        f"dropped: {dropped}",
    ])


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


def run_command(args) -> None:
    """Map and run a model file on the emulator, compare with nengo, write the
    report directory (probes.npz, summary.json, mapping and provenance reports)."""
    import json
    from pathlib import Path

    from .modelfile import load_model
    from .report import write_mapping_report, write_provenance_report
    from .runner import run_model

    network = load_model(args.model)
    result = run_model(network, _machine(args.machine), args.duration, args.dt, args.seed,
                       args.placer, args.precision)
    out = Path(args.out or f"{Path(args.model).stem}_report")
    out.mkdir(parents=True, exist_ok=True)
    arrays = {"t": result.trange}
    for name, data in result.recordings.items():
        arrays[name] = data
        every = result.compilation.graph.probes[name].sample_every
        if every > 1:  # this probe's own sample times
            arrays[f"t:{name}"] = result.trange[every - 1::every]
    np.savez(out / "probes.npz", **arrays)
    text = json.dumps(result.summary, indent=1)
    (out / "summary.json").write_text(text)
    if args.json:
        Path(args.json).write_text(text)
    write_mapping_report(result.compilation, out)
    write_provenance_report(result.provenance, out)
    run, machine = result.summary["run"], result.summary["machine"]
    print(f"{args.model}: {machine['cores_used']} cores on {machine['chips_used']} chips; "
          f"{run['steps']} steps in {run['wall_seconds']:.2f} s "
          f"({run['wall_seconds_per_simulated_second']:.2f} s per simulated second, "
          f"{run['precision']} point)")
    print(f"most cycles in a tick {run['max_cycles_per_tick']:,}; overruns {run['overruns']}; "
          f"packets sent {run['packets_sent']:,}, dropped {run['packets_dropped']}")
    rows = [(name, f"{c['rms_error_fixed']:.4f}", f"{c['rms_error_float']:.4f}",
             f"{c['reference_rms']:.4f}") for name, c in result.summary["compare"].items()]
    print(format_table(("probe", "RMS error fixed", "RMS error float", "reference RMS"), rows))
    print(f"wrote {out}/: probes.npz, summary.json, mapping.txt/json, provenance.txt/json")


def map_command(args) -> None:
    """Map a model file (no run) and write the mapping report."""
    from pathlib import Path

    from .compiler import compile_network
    from .modelfile import load_model
    from .report import write_mapping_report

    compiled = compile_network(load_model(args.model), _machine(args.machine), dt=args.dt,
                               seed=args.seed, n_steps=max(1, round(args.duration / args.dt)),
                               placer=args.placer)
    out = write_mapping_report(compiled, args.out or f"{Path(args.model).stem}_report")
    image = compiled.image
    sizes = [len(t) for t in image.tables.values()] or [0]
    chips = len({(c.x, c.y) for c in image.cores})
    print(f"{args.model}: {len(image.cores)} cores on {chips} chip{'s' * (chips != 1)} of "
          f"{image.machine}; routing entries {sum(sizes)} (at most {max(sizes)} on a chip); "
          f"mapped in {sum(compiled.seconds.values()):.2f} s")
    print(f"wrote {out}/mapping.txt and {out}/mapping.json")


def machine_command(args) -> None:
    """Describe a machine: size, chips, cores, links and dead parts."""
    machine = _machine(args.spec)
    working_links = sum(len(machine.links(x, y)) for x, y in machine.working_chips) // 2
    print(machine)
    print(f"boards: {len(machine.ethernet_chips)} (Ethernet chips "
          f"{', '.join(map(str, machine.ethernet_chips[:6]))}"
          f"{', ...' if len(machine.ethernet_chips) > 6 else ''})")
    print(f"links: {working_links} working chip-to-chip links")
    print(f"per chip: {machine.app_cores} application cores, {machine.sdram_bytes:,} bytes of "
          f"SDRAM, {machine.router_entries} routing entries; per core: {machine.dtcm_bytes:,} "
          f"bytes of DTCM, {machine.cycles_per_tick:,} cycles per tick")
    dead_links = machine.to_dict()["dead_links"]
    print(f"dead: {len(machine.dead_chips)} chips {sorted(machine.dead_chips)}, "
          f"{len(machine.dead_cores)} cores {sorted(machine.dead_cores)}, "
          f"{len(dead_links)} links {[tuple(l) for l in dead_links]}")


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
        "demo", help="map the demo model onto one SpiNN-5 board, run it on the emulator and "
        "compare with nengo")
    demo_parser.add_argument("--seed", type=int, default=0)
    demo_parser.add_argument("--dt", type=float, default=0.001)
    demo_parser.add_argument("--placer", default="anneal", help="hilbert or anneal")
    demo_parser.add_argument("--duration", type=float, default=1.0, help="seconds to run")
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

    run_parser = commands.add_parser(
        "run", help="map MODEL.py onto a machine, run it on the emulator, compare with nengo")
    run_parser.add_argument("model", metavar="MODEL.py")
    run_parser.add_argument("--machine", default="spinn5",
                            help="spinn3, spinn5, N-boards, WxH or a machine JSON file")
    run_parser.add_argument("--duration", type=float, default=1.0, help="simulated seconds")
    run_parser.add_argument("--dt", type=float, default=0.001)
    run_parser.add_argument("--seed", type=int, default=None)
    run_parser.add_argument("--placer", default="anneal", help="hilbert or anneal")
    run_parser.add_argument("--precision", choices=("fixed", "float"), default="fixed")
    run_parser.add_argument("--out", metavar="DIR", help="report directory (MODEL_report)")
    run_parser.add_argument("--json", metavar="FILE", help="also write the run summary here")
    run_parser.set_defaults(run=run_command)

    map_parser = commands.add_parser(
        "map", help="map MODEL.py onto a machine and write the mapping report (no run)")
    map_parser.add_argument("model", metavar="MODEL.py")
    map_parser.add_argument("--machine", default="spinn5",
                            help="spinn3, spinn5, N-boards, WxH or a machine JSON file")
    map_parser.add_argument("--duration", type=float, default=1.0,
                            help="seconds of recording to make room for")
    map_parser.add_argument("--dt", type=float, default=0.001)
    map_parser.add_argument("--seed", type=int, default=None)
    map_parser.add_argument("--placer", default="anneal", help="hilbert or anneal")
    map_parser.add_argument("--out", metavar="DIR", help="report directory (MODEL_report)")
    map_parser.set_defaults(run=map_command)

    machine_parser = commands.add_parser(
        "machine", help="describe a machine: chips, cores, links and dead parts")
    machine_parser.add_argument(
        "spec", help="spinn3, spinn5, N-boards, WxH, WxH-torus or a machine JSON file")
    machine_parser.set_defaults(run=machine_command)

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
