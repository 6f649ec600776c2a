"""The ``spinnc`` command."""

import argparse
import math
import sys
import traceback
from pathlib import Path

import numpy as np

from . import energy
from .errors import SpinncError
from .firmware_sim.engines import ENGINES
from .formats.scp import BOOT_PORT, SCP_PORT
from .host.spalloc import SPALLOC_PORT
from .outputs import (IMAGE_MARKER, REPORT_MARKER, check_output_file, check_outputs,
                      prepare_directory)
from .pacing import PacingReport
from .table import format_table


def demo(args) -> None:
    """Build, quantise, map and route the demo model on one SpiNN-5 board, run it
    on the emulator in fixed and float point, compare with nengo and write the
    report directory."""
    from .demo import demo_model
    from .machine import Machine
    from .mapper import placement_summary
    from .report import mapping_report, routing_table
    from .runner import run_model

    progress = _progress(args)
    out = prepare_directory(args.out, force=args.force)
    result = run_model(demo_model(seed=args.seed), Machine.spinn5(), args.duration, args.dt,
                       args.seed, args.placer, progress=progress)
    html = _write_run_report(result, out, None, progress, "spinnc demo")
    compiled = result.compilation
    print(compiled.graph.summary())
    print()
    print(f"Quantisation to fixed point ({compiled.quantisation.saturated} values saturated)")
    print(compiled.quantisation)
    print()
    print(f"Mapping onto one SpiNN-5 board: {compiled.image.machine}")
    print(compiled.partition.summary())
    print()
    print(placement_summary(compiled.partition.vertices, compiled.placements))
    print()
    print(routing_table(mapping_report(compiled)["routing"]))
    print()
    print(comparison_table(result.summary["compare"]))
    print()
    print(run_summary(result))
    print()
    print(f"report: {html} (open it in a browser; plots, mapping and provenance are "
          f"in {html.parent}/)")


def comparison_table(compare: dict) -> str:
    """Per value probe: RMS error of the fixed and float emulations against
    nengo's reference, and the reference's own RMS (a run summary's compare)."""
    rows = [(name, f"{c['rms_error_fixed']:.4f}", f"{c['rms_error_float']:.4f}",
             f"{c['reference_rms']:.4f}") for name, c in compare.items()]
    return format_table(("probe", "RMS error fixed", "RMS error float", "reference RMS"),
                        rows, "Emulation against nengo's float reference")


def run_summary(result) -> str:
    """Cores and chips used, the busiest core, overruns and packets of a run."""
    machine, run = result.summary["machine"], result.summary["run"]
    chips = machine["chips_used"]
    lines = [f"Ran {run['steps'] * result.compilation.image.dt:g} s ({run['steps']} ticks) on "
             f"{machine['cores_used']} cores of {chips} chip{'s' * (chips != 1)} in "
             f"{run['wall_seconds']:.2f} s ({run['precision']} point"
             f"{', ARM firmware' if run.get('engine') == 'arm' else ''})"]
    if result.provenance.cores:
        busiest = max(result.provenance.cores, key=lambda c: c.max_cycles)
        lines.append(f"most cycles in a tick: {busiest.max_cycles:,} of "
                     f"{result.provenance.cycles_per_tick:,} (core {busiest.core} of chip "
                     f"({busiest.x}, {busiest.y}), {busiest.name})")
    else:
        lines.append("no cores: everything in the model ran on the host")
    lines.append(f"overruns: {run['overruns']}; packets sent: {run['packets_sent']:,}; "
                 f"dropped: {run['packets_dropped']}")
    if "realtime" in run:
        lines.append(PacingReport.from_summary(run["realtime"]).describe())
    if "energy" in result.summary:
        seconds = run["steps"] * result.compilation.image.dt
        lines.append(energy.from_summary(result.summary["energy"], seconds).describe())
    return "\n".join(lines)


def _compile(args, out: Path, marker: str):
    """Load ``args.model`` and compile it with the command's mapping options
    into the directory ``out`` (a report or an Image, by ``marker``): every
    input is checked before ``out`` is made."""
    from .compiler import compile_network
    from .modelfile import load_model

    check_outputs({"--out": out}, [args.model])
    n_steps, machine = _steps(args), _machine(args.machine)
    network = load_model(args.model)
    prepare_directory(out, marker, args.force)
    return compile_network(network, machine, dt=args.dt, seed=args.seed, n_steps=n_steps,
                           placer=args.placer, progress=_progress(args))


def _progress(args):
    """Stage names and times on standard error, unless ``--quiet``."""
    from .progress import Progress

    return None if args.quiet else Progress()


def _steps(args) -> int:
    from .runner import run_steps

    return run_steps(args.duration, args.dt)


def _mapped(compiled) -> str:
    """Cores, chips and routing entries of a compiled model, in a line."""
    image = compiled.image
    chips = len({(c.x, c.y) for c in image.cores})
    sizes = [len(t) for t in image.tables.values()] or [0]
    return (f"{len(image.cores)} cores on {chips} chip{'s' * (chips != 1)} of {image.machine}; "
            f"routing entries {sum(sizes)} (at most {max(sizes)} on a chip)")


def compile_command(args) -> None:
    """Compile a model file into an Image directory."""
    compiled = _compile(args, Path(args.out), IMAGE_MARKER)
    compiled.image.save(args.out)
    stages = ", ".join(f"{stage} {seconds:.2f}" for stage, seconds in compiled.seconds.items())
    print(f"{args.model}: {_mapped(compiled)}")
    print(f"seconds per stage: {stages}")
    print(f"wrote {args.out} ({_steps(args)} steps of {args.dt:g} s recorded)")


def probe_arrays(result) -> dict[str, np.ndarray]:
    """probes.npz's arrays: ``t``, the time of every step, and for each probe
    ``probe:LABEL`` (its samples) and ``t:LABEL`` (their times).  The prefixes
    keep every key apart whatever the labels (a probe may be labelled ``t``)."""
    arrays = {"t": result.trange}
    for name, data in result.recordings.items():
        arrays[f"probe:{name}"] = data
        arrays[f"t:{name}"] = result.times[name]
    return arrays


def _write_run_report(result, out, json_path, progress, title: str):
    """Write a run's report directory: probes.npz, summary.json (and
    ``json_path``), mapping and provenance reports, plots and report.html.
    Returns the path of report.html."""
    import json
    from contextlib import nullcontext

    from .report import write_report

    out = Path(out)
    np.savez(out / "probes.npz", **probe_arrays(result))
    text = json.dumps(result.summary, indent=1)
    (out / "summary.json").write_text(text)
    if json_path:
        Path(json_path).write_text(text)
    with progress.timed("report") if progress is not None else nullcontext():
        return write_report(result, out, title)


def run_command(args) -> None:
    """Map and run a model file on the emulator or a board, compare with nengo,
    write the report directory (probes.npz, summary.json, mapping and provenance reports,
    plots and report.html)."""
    from .modelfile import load_model
    from .runner import run_model

    target, host, port = _target(args.target)
    if args.spalloc is not None:
        if target != "emulator":
            raise SpinncError("give either --target board HOST or --spalloc HOST, not both")
        address = _host_port(args.spalloc, SPALLOC_PORT)
        if address is None:
            raise SpinncError(f"--spalloc {args.spalloc}: give the spalloc server as HOST or "
                              f"HOST:PORT (port {SPALLOC_PORT} by default)")
        target, (host, port) = "spalloc", address
    elif args.boards != 1 or args.boot_image is not None:
        raise SpinncError("--boards and --boot-image are for --spalloc HOST[:PORT]")
    out = Path(args.out or f"{Path(args.model).stem}_report")
    check_outputs({"--out": out, "--json": args.json}, [args.model])
    check_output_file("--json", args.json)
    _steps(args)  # a bad --duration or --dt before anything runs
    machine = (None if target != "emulator" and args.machine is None
               else _machine(args.machine))
    network = load_model(args.model)
    prepare_directory(out, force=args.force)
    progress = _progress(args)
    result = run_model(network, machine, args.duration, args.dt, args.seed, args.placer,
                       args.precision, progress=progress, target=target, host=host, port=port,
                       engine=args.engine, realtime=args.realtime, boards=args.boards,
                       boot_image=args.boot_image,
                       on_view=(lambda url: print(f"the machine, live: {url}", file=sys.stderr,
                                                  flush=True)) if args.machine_view else None)
    html = _write_run_report(result, out, args.json, progress, f"spinnc run {args.model}")
    print(f"{args.model}: {_mapped(result.compilation)}")
    print(run_summary(result))
    print(comparison_table(result.summary["compare"]))
    if target != "emulator":
        board = result.summary["board"]
        if "spalloc" in board:
            job = board["spalloc"]
            print(f"spalloc job {job['job']} on {job['server']}: {job['boards']} board(s), "
                  "freed")
        print(f"on the board at {board['host']}:{board['port']}: load "
              f"{board['load_seconds']:.2f} s, run {board['run_seconds']:.2f} s, read back "
              f"{board['read_seconds']:.2f} s; "
              f"{board['datagrams']:,} datagrams, {board['retries']} retries")
        if "live" in board:
            live = board["live"]
            print(f"live host I/O: {live['ticks_answered']:,} ticks answered, "
                  f"{live['ticks_lost']} lost; latency {live['latency_ms_mean']:.3f} ms a tick "
                  f"(max {live['latency_ms_max']:.3f} ms)")
    print(f"wrote {out}/: probes.npz, summary.json, mapping.txt/json, provenance.txt/json, "
          "plots/; machine.json, placements.json, routing_tables.json (PACMAN's schemas)")
    print(f"report: {html}")


def map_command(args) -> None:
    """Map a model file (no run) and write the mapping report and report.html."""
    from contextlib import nullcontext

    from .report import write_mapping_html

    out = Path(args.out or f"{Path(args.model).stem}_report")
    compiled = _compile(args, out, REPORT_MARKER)
    progress = _progress(args)
    with progress.timed("report") if progress is not None else nullcontext():
        html = write_mapping_html(compiled, out, f"spinnc map {args.model}")
    out = html.parent
    print(f"{args.model}: {_mapped(compiled)}; mapped in {sum(compiled.seconds.values()):.2f} s")
    print(f"wrote {out}/mapping.txt, {out}/mapping.json and {out}/plots/machine_map.png; "
          "machine.json, placements.json, routing_tables.json (PACMAN's schemas)")
    print(f"report: {html}")


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


def _target(words: list[str]) -> tuple[str, str | None, int]:
    """``--target emulator`` or ``--target board HOST[:PORT]`` -> (target, host, port)."""
    if words == ["emulator"]:
        return "emulator", None, SCP_PORT
    if len(words) == 2 and words[0] == "board" and (address := _host_port(words[1])):
        return "board", *address
    raise SpinncError(f"--target {' '.join(words)}: give 'emulator' or 'board HOST[:PORT]' "
                      "(e.g. --target board 192.168.240.253, or 127.0.0.1 for "
                      "`spinnc board serve`)")


def _host_port(text: str, default: int = SCP_PORT) -> tuple[str, int] | None:
    """``HOST[:PORT]`` -> (host, port), SC&MP's port by default; None if malformed."""
    host, _, port = text.partition(":")
    if host and (not port or port.isdigit() and 0 < int(port) < 65536):
        return host, int(port or default)
    return None


def boards(text: str) -> int:
    """A ``--boards`` count: 1 or more."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of boards, 1 or more")
    return int(text)


def board_command(args) -> int:
    """``spinnc board serve``: a virtual board over UDP until Ctrl-C."""
    from .virtual_board.board import serve_forever

    _machine(args.machine)  # an unknown machine is a one-line error, not a traceback
    return serve_forever(args)


def boot_command(args) -> None:
    """``spinnc board boot HOST``: send the boot image and wait until it answers."""
    from .host import boot

    address = _host_port(args.host)
    if address is None:
        raise SpinncError(f"{args.host}: give the board as HOST or HOST:PORT "
                          "(a port from 1 to 65535)")
    result = boot(address[0], args.image, boot_port=args.boot_port, port=address[1])
    print(f"{args.host}: booted in {result.seconds:.2f} s: {result.version}")


def _machine(spec: str | None):
    """The machine of a ``--machine`` option (SpiNN-5 when not given)."""
    from .machine import Machine

    spec = spec or "spinn5"

    try:
        return Machine.from_spec(spec)
    except ValueError as error:
        raise SpinncError(str(error)) from None


def _model_options(parser, duration_help: str) -> None:
    """MODEL.py and the mapping options that compile, run and map share."""
    parser.add_argument("model", metavar="MODEL.py")
    parser.add_argument("--machine", help="spinn3, spinn5 (the default; with --target board: "
                        "what the board reports), N-boards, WxH or a machine JSON file")
    parser.add_argument("--duration", type=seconds, default=1.0, help=duration_help)
    parser.add_argument("--dt", type=seconds, default=0.001, help="seconds per tick (0.001)")
    parser.add_argument("--seed", type=seed, default=None)
    _placer_option(parser)
    _force_option(parser)


def seconds(text: str) -> float:
    """A positive, finite number of seconds (argparse type)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text}: give a positive number of seconds")
    return value


def seed(text: str) -> int:
    """A seed as nengo and numpy take it: a whole number from 0 to 2**32 - 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value < 2 ** 32:
        raise argparse.ArgumentTypeError(f"{text}: a seed is from 0 to {2 ** 32 - 1}")
    return value


def _placer_option(parser) -> None:
    from .mapper import PLACERS

    parser.add_argument("--placer", default="anneal", choices=sorted(PLACERS),
                        help="placement algorithm (anneal)")


def _force_option(parser) -> None:
    parser.add_argument("--force", action="store_true",
                        help="write into --out even if it is a directory of other files")


def _leaf_parsers(parser):
    """Every (sub-)command's parser, so that each gets the shared options."""
    subcommands = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subcommands:
        yield parser
    for action in subcommands:
        for command in action.choices.values():
            yield from _leaf_parsers(command)


def main(argv=None) -> int:
    parser = _Parser(prog="spinnc", description="Compile and run Nengo models on SpiNNaker.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser(
        "demo", help="map the demo model onto one SpiNN-5 board, run it on the emulator and "
        "compare with nengo")
    demo_parser.add_argument("--seed", type=seed, default=0)
    demo_parser.add_argument("--dt", type=seconds, default=0.001)
    _placer_option(demo_parser)
    _force_option(demo_parser)
    demo_parser.add_argument("--duration", type=seconds, default=1.0, help="seconds to run")
    demo_parser.add_argument("--out", metavar="DIR", default="demo_report",
                             help="report directory (demo_report)")
    demo_parser.set_defaults(run=demo)

    compile_parser = commands.add_parser(
        "compile", help="compile MODEL.py (which defines `model`) into an Image directory")
    _model_options(compile_parser, "seconds of recording to make room for")
    compile_parser.add_argument("--out", required=True, metavar="IMAGE_DIR")
    compile_parser.set_defaults(run=compile_command)

    run_parser = commands.add_parser(
        "run", help="map MODEL.py onto a machine, run it on the emulator (or a board), "
        "compare with nengo")
    _model_options(run_parser, "simulated seconds")
    run_parser.add_argument("--precision", choices=("fixed", "float"), default="fixed")
    run_parser.add_argument("--engine", choices=ENGINES, default="python",
                            help="what runs the emulator target: 'python' (the applications' "
                            "Python kernels, fast) or 'arm' (their ARM firmware, executed "
                            "instruction by instruction as a board runs it; fixed point)")
    run_parser.add_argument("--out", metavar="DIR", help="report directory (MODEL_report)")
    run_parser.add_argument("--json", metavar="FILE", help="also write the run summary here")
    run_parser.add_argument("--realtime", action="store_true",
                            help="pace the emulator's ticks to the wall clock (one every dt) "
                            "and report how often and how far it fell behind; a board runs "
                            "in real time anyway")
    run_parser.add_argument("--machine-view", action="store_true",
                            help="serve a page of the machine's packets and core loads, "
                            "updating while the emulator runs (its URL on stderr; with "
                            "--realtime there is time to watch)")
    run_parser.add_argument("--target", nargs="+", default=["emulator"],
                            metavar="TARGET [HOST[:PORT]]",
                            help="'emulator' (default) or 'board HOST[:PORT]': run over the "
                            "SpiNNaker host protocol on a board or a virtual board")
    run_parser.add_argument("--spalloc", metavar="HOST[:PORT]",
                            help="run on boards that the spalloc server at HOST grants (port "
                            f"{SPALLOC_PORT}): the job is kept alive while it runs and freed "
                            "afterwards")
    run_parser.add_argument("--boards", type=boards, default=1,
                            help="boards to ask spalloc for (1)")
    run_parser.add_argument("--boot-image", metavar="scamp.boot",
                            help="SC&MP's boot image, to boot the boards spalloc grants (a "
                            "real machine needs it; a virtual board does not)")
    run_parser.set_defaults(run=run_command)

    map_parser = commands.add_parser(
        "map", help="map MODEL.py onto a machine and write the mapping report (no run)")
    _model_options(map_parser, "seconds of recording to make room for")
    map_parser.add_argument("--out", metavar="DIR", help="report directory (MODEL_report)")
    map_parser.set_defaults(run=map_command)

    machine_parser = commands.add_parser(
        "machine", help="describe a machine: chips, cores, links and dead parts")
    machine_parser.add_argument(
        "spec", help="spinn3, spinn5, N-boards, WxH, WxH-torus or a machine JSON file")
    machine_parser.set_defaults(run=machine_command)

    board_parser = commands.add_parser(
        "board", help="the virtual board: SC&MP 4.0 over UDP, backed by the emulator")
    board_commands = board_parser.add_subparsers(dest="board_command", required=True)
    serve_parser = board_commands.add_parser(
        "serve", help="serve a virtual board (bound to 127.0.0.1 unless --host) until Ctrl-C")
    from .virtual_board.board import add_arguments as add_board_arguments

    add_board_arguments(serve_parser)
    serve_parser.set_defaults(run=board_command)
    boot_parser = board_commands.add_parser(
        "boot", help="boot a board (or a virtual board) over UDP 54321 and wait until booted")
    boot_parser.add_argument("host", metavar="HOST[:PORT]", help="the board (SCP port 17893)")
    boot_parser.add_argument("--image", metavar="scamp.boot",
                             help="SC&MP's boot image: a real board needs it; without it a "
                             "placeholder is sent that only the virtual board accepts")
    boot_parser.add_argument("--boot-port", type=int, default=BOOT_PORT)
    boot_parser.set_defaults(run=boot_command)

    from .router.commands import add_commands as add_table_commands

    add_table_commands(commands)
    for command in _leaf_parsers(parser):
        command.add_argument("--quiet", action="store_true",
                             help="no progress (stage names and times) on standard error")
    try:
        args = parser.parse_args(argv)
    except _UsageError as error:
        print(f"spinnc: error: {error}", file=sys.stderr)
        return 1
    try:
        return args.run(args) or 0
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("spinnc: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # every failure is one line; --debug shows the traceback
        if args.debug:
            raise
        print(f"spinnc: error: {error_line(error, getattr(args, 'model', None))}",
              file=sys.stderr)
        return 1


class _UsageError(Exception):
    """A command line argparse cannot parse."""


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line and exit 1 like every other
    error (``spinnc ... --help`` shows the usage)."""

    def error(self, message):
        raise _UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def error_line(error: BaseException, model: str | None = None) -> str:
    """What to tell the user about ``error`` in one line.

    spinnc's own errors say it already; nengo's build errors name the nengo
    object; an exception raised by the model file's own code (a connection
    function, a node's function) names the function, the file and the line;
    anything else is a spinnc bug, said as such.
    """
    import nengo

    text = " ".join(str(error).split()) or type(error).__name__
    if isinstance(error, SpinncError):
        return text
    if isinstance(error, nengo.exceptions.NengoException):
        return f"nengo could not build the model: {type(error).__name__}: {text}"
    if isinstance(error, OSError) and error.filename is not None:  # e.g. --json in no directory
        return f"{error.filename}: {error.strerror or text}"
    if isinstance(error, MemoryError):
        return ("out of memory: the model or the machine is too large for this computer; "
                "map onto a smaller machine or split the model")
    frames = traceback.extract_tb(error.__traceback__)
    if model is not None:
        mine = [f for f in frames if Path(f.filename).resolve() == Path(model).resolve()]
        if mine:
            where = mine[-1]
            return (f"{model}, line {where.lineno}, in {where.name}: "
                    f"{type(error).__name__}: {text} (raised by the model's own code while "
                    "spinnc ran it)")
    return (f"internal error: {type(error).__name__}: {text}; this is a bug in spinnc: "
            "run again with --debug and report the traceback")


if __name__ == "__main__":
    sys.exit(main())
