"""report.html: one self-contained page with everything about a mapping or a run.

Summary first: the run summary and the comparison with nengo, then the machine
map, the plots, and the mapping tables (partition, placement, keys, routing,
provenance, quantisation).  The page works offline: the PNGs are embedded as
base64 data URIs and the style is inline.  A small inline script records
script errors and undecoded images into ``<body data-...>`` attributes, so a
headless browser's DOM dump shows whether the page rendered.
"""

import base64
import html
import time
from pathlib import Path

from .mapping import mapping_report, write_mapping_report, write_provenance_report
from .plots import write_mapping_plots, write_plots

#: Rows a table shows; the JSON reports next to report.html hold them all.
MAX_ROWS = 2000

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
       max-width: 1200px; padding: 1em 2em; color: #222; }
h1 { font-size: 1.5em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.85em; }
caption { text-align: left; font-weight: bold; padding: 0.3em 0; }
th, td { border: 1px solid #ddd; padding: 0.2em 0.6em; text-align: right; }
th { background: #f0f0f0; } td:first-child, th:first-child { text-align: left; }
tr:nth-child(even) td { background: #fafafa; } #summary td { text-align: left; }
figure { margin: 1em 0; } figcaption { font-size: 0.85em; color: #555; }
img { max-width: 100%; height: auto; }
.grid { display: flex; flex-wrap: wrap; gap: 1em; } .grid figure { flex: 1 1 540px; }
.note { color: #666; font-size: 0.85em; }
.good { color: #176317; } .bad { color: #a01010; font-weight: bold; }
"""

# Records script errors and images that failed to decode, for headless checks.
SCRIPT = """
window.spinncErrors = [];
window.addEventListener("error", function (event) {
  var target = event.target;
  window.spinncErrors.push(target && target.tagName ? "failed to load " + target.tagName
                                                     : String(event.message));
}, true);
window.addEventListener("load", function () {
  var images = document.images, decoded = 0;
  for (var i = 0; i < images.length; i++) {
    if (images[i].complete && images[i].naturalWidth > 0) { decoded++; }
  }
  var body = document.body.dataset;
  body.images = images.length;
  body.decodedImages = decoded;
  body.errors = window.spinncErrors.join(" | ");
  body.rendered = "ok";
});
"""

SECTION_TITLES = {"values": "Decoded values against nengo's float reference",
                  "spikes": "Spike rasters",
                  "state": "Neuron state traces (voltage, adaptation, recovery)",
                  "tuning": "Tuning curves of probed ensembles"}


def _e(value) -> str:
    return html.escape(str(value))


def table(headers, rows, caption: str | None = None, table_id: str | None = None) -> str:
    """An HTML table (cells escaped); at most MAX_ROWS rows, with a note beyond."""
    rows = list(rows)
    shown = rows[:MAX_ROWS]
    parts = [f'<table id="{table_id}">' if table_id else "<table>"]
    if caption:
        parts.append(f"<caption>{_e(caption)}</caption>")
    parts.append("<tr>" + "".join(f"<th>{_e(h)}</th>" for h in headers) + "</tr>")
    parts += ["<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in shown]
    parts.append("</table>")
    if len(rows) > len(shown):
        parts.append(f'<p class="note">First {len(shown)} of {len(rows)} rows; the JSON '
                     "reports hold them all.</p>")
    return "\n".join(parts)


def image(path, alt: str, image_id: str | None = None) -> str:
    """A PNG file as an <img> with a base64 data URI."""
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    attribute = f' id="{image_id}"' if image_id else ""
    return f'<img{attribute} alt="{_e(alt)}" src="data:image/png;base64,{data}">'


def page(title: str, body: str) -> str:
    """A complete, self-contained HTML document."""
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{_e(title)}</title>\n<style>{STYLE}</style>\n<script>{SCRIPT}</script>\n"
            f"</head>\n<body>\n<h1>{_e(title)}</h1>\n{body}\n</body>\n</html>\n")


def _comparison(compare: dict) -> str:
    rows = []
    for name, c in compare.items():
        scale = c["reference_rms"] or 1.0
        rows.append((name, f"{c['rms_error_fixed']:.4f}", f"{c['rms_error_float']:.4f}",
                     f"{c['reference_rms']:.4f}", f"{c['rms_error_fixed'] / scale:.1%}"))
    if not rows:
        return '<p class="note" id="comparison">No value probes to compare.</p>'
    return table(("probe", "RMS error fixed", "RMS error float", "reference RMS",
                  "fixed error / reference RMS"), rows,
                 "Emulation against nengo's float reference (same network and seed)",
                 "comparison")


def _run_summary(summary: dict) -> str:
    machine, mapping, run = summary["machine"], summary["mapping"], summary["run"]
    rows = [
        ("machine", f"{machine['width']}x{machine['height']}, {machine['chips']} chips"),
        ("used", f"{machine['cores_used']} cores on {machine['chips_used']} chips"),
        ("vertices", mapping["vertices"]),
        ("routing entries", f"{mapping['routing_entries_total']} in total, at most "
                            f"{mapping['routing_entries_max']} on a chip, "
                            f"{mapping['tables_over_1023']} tables over 1023"),
        ("ran", f"{run['steps']} ticks in {run['precision']} point in "
                f"{run['wall_seconds']:.2f} s ({run['wall_seconds_per_simulated_second']:.2f} "
                "s per simulated second)"),
        ("most cycles in a tick", f"{run['max_cycles_per_tick']:,}"),
        ("overruns", run["overruns"]),
        ("packets", f"{run['packets_sent']:,} sent, {run['packets_dropped']:,} dropped"),
        ("nengo reference", f"{summary['reference']['wall_seconds']:.2f} s"),
        ("seconds per stage", ", ".join(f"{k} {v:.2f}" for k, v in mapping["seconds"].items())),
    ]
    if "realtime" in run:
        realtime = run["realtime"]
        rows.append(("real time", f"{realtime['behind']:,} of {realtime['ticks']:,} ticks "
                                  f"behind the clock, at most "
                                  f"{1000 * realtime['max_lag_seconds']:.1f} ms late"))
    if "energy" in summary:
        e = summary["energy"]
        rows.append(("energy (official tools' model)",
                     f"{e['joules']:.3f} J, {e['mean_watts']:.2f} W: chips "
                     f"{e['chips_joules']:.3f} J, cores {e['cores_joules']:.3f} J, "
                     f"{e['packet_hops']:,} packet hops {1000 * e['packets_joules']:.3f} mJ"))
    return table(("", ""), rows, "Run summary", "summary")


def _mapping_summary(compiled) -> str:
    image = compiled.image
    sizes = [len(t) for t in image.tables.values()] or [0]
    rows = [("machine", str(image.machine)),
            ("used", f"{len(image.cores)} cores on {len({(c.x, c.y) for c in image.cores})} "
                     "chips"),
            ("vertices", len(compiled.partition.vertices)),
            ("routing entries", f"{sum(sizes)} in total, at most {max(sizes)} on a chip"),
            ("seconds per stage", ", ".join(f"{k} {v:.2f}"
                                            for k, v in compiled.seconds.items()))]
    return table(("", ""), rows, "Mapping summary", "summary")


def _machine_map(plots) -> str:
    maps = [p for p in plots if p.section == "machine"]
    return "".join(
        f"<figure>{image(p.path, p.title, 'machine-map')}<figcaption>Chips in SpiNNaker's "
        "hexagonal layout (links east, north and north-east join neighbours); grey: unused, "
        "black with a cross: dead chip, red: dead link.</figcaption></figure>" for p in maps)


def _plots(plots) -> str:
    parts = []
    for section, title in SECTION_TITLES.items():
        chosen = [p for p in plots if p.section == section]
        if chosen:
            figures = "".join(f"<figure>{image(p.path, p.title)}<figcaption>{_e(p.title)}"
                              "</figcaption></figure>" for p in chosen)
            parts.append(f'<h3>{_e(title)}</h3>\n<div class="grid">{figures}</div>')
    return "\n".join(parts)


def _input_dims(vertex: dict) -> str:
    """Its input dimensions, and the block it filters of a shared input."""
    block = vertex.get("input_block")
    if block is None:
        return str(vertex["input_dims"])
    return f"{vertex['input_dims']} (filters {block[0]}:{block[1]}, cluster {vertex['cluster']})"


def _mapping_tables(compiled, provenance=None) -> str:
    report = mapping_report(compiled)
    vertices = report["vertices"]
    partition = table(
        ("vertex", "name", "application", "slices", "neurons", "in dims", "out dims", "cycles",
         "DTCM", "SDRAM"),
        [(v["vertex"], v["name"], v["application"],
          " ".join(f"{o}[{lo}:{hi}]" for o, lo, hi in v["slices"]), v["neurons"],
          _input_dims(v), v["output_dims"], f"{v['cycles']:,}", f"{v['dtcm']:,}",
          f"{v['sdram']:,}") for v in vertices], "Partition: vertices and their resources",
        "partition")
    by_chip = {}
    for v in vertices:
        by_chip.setdefault((v["x"], v["y"]), []).append(v)
    placement = table(
        ("chip", "cores", "vertices (core: name)", "neurons", "SDRAM"),
        [(f"({x}, {y})", len(vs), ", ".join(f"{v['core']}: {v['name']}" for v in vs),
          sum(v["neurons"] for v in vs), f"{sum(v['sdram'] for v in vs):,}")
         for (x, y), vs in sorted(by_chip.items())], "Placement by chip", "placement")
    keys = table(
        ("net", "from vertex", "of", "group", "dims", "key", "mask", "to vertices"),
        [(n["net"], n["source"], n["pre"], n["group"], n["size"], f"{n['key']:#010x}",
          f"{n['mask']:#010x}", " ".join(map(str, n["sinks"]))) for n in report["nets"]],
        "Keys per net", "keys")
    routing = table(
        ("chip", "entries", "default-routable", "after minimisation", "compression"),
        [(f"({r['x']}, {r['y']})", r["entries"], r["default_routable"], r["minimised"],
          f"{r['minimised'] / r['entries']:.0%}" if r["entries"] else "-")
         for r in report["routing"]],
        f"Routing tables ({len(report['routing'])} chips; every net checked)", "routing")
    quantisation = table(
        ("owner", "parameter", "format", "values", "max |error|", "RMS error", "saturated"),
        [(q["owner"], q["parameter"], q["format"], q["count"], f"{q['max_error']:.3g}",
          f"{q['rms_error']:.3g}", q["saturated"]) for q in report["quantisation"]],
        "Quantisation to fixed point", "quantisation")
    parts = [partition, placement, keys, routing]
    if provenance is not None:
        parts.append(table(
            ("chip", "core", "name", "max cycles", "overruns", "sent", "received"),
            [(f"({c.x}, {c.y})", c.core, c.name, f"{c.max_cycles:,}", c.overruns,
              f"{c.packets_sent:,}", f"{c.packets_received:,}") for c in provenance.cores],
            f"Provenance: cores ({provenance.ticks} ticks of {provenance.cycles_per_tick:,} "
            "cycles)", "provenance-cores"))
        parts.append(table(
            ("chip", "local", "non-local", "default-routed", "dropped"),
            [(f"({r.x}, {r.y})", f"{r.local_multicast:,}", f"{r.non_local_multicast:,}",
              f"{r.default_routed:,}", r.dropped) for r in provenance.routers],
            "Provenance: routers (multicast packets)", "provenance-routers"))
    parts.append(quantisation)
    return "\n".join(parts)


def run_html(result, plots, title: str = "spinnc run") -> str:
    """report.html for a run (a :class:`spinnc.runner.RunResult`) and its plots."""
    run = result.summary["run"]
    health = ("good" if run["overruns"] == 0 and run["packets_dropped"] == 0 else "bad")
    body = "\n".join([
        f'<p class="{health}">{run["overruns"]} overruns, {run["packets_dropped"]} packets '
        f"dropped; generated {time.strftime('%Y-%m-%d %H:%M:%S')}.</p>",
        "<h2>Summary</h2>", _run_summary(result.summary),
        _comparison(result.summary["compare"]),
        "<h2>Machine map</h2>", _machine_map(plots),
        "<h2>Plots</h2>", _plots(plots),
        "<h2>Mapping</h2>", _mapping_tables(result.compilation, result.provenance),
    ])
    return page(title, body)


def mapping_html(compiled, plots, title: str = "spinnc map") -> str:
    """report.html for a mapping without a run."""
    body = "\n".join(["<h2>Summary</h2>", _mapping_summary(compiled),
                      "<h2>Machine map</h2>", _machine_map(plots),
                      "<h2>Mapping</h2>", _mapping_tables(compiled)])
    return page(title, body)


def write_report(result, out_dir, title: str = "spinnc run") -> Path:
    """Write a run's whole report into ``out_dir``: mapping and provenance
    (text and JSON), the plots (PNG) and report.html.

    Parameters
    ----------
    result : spinnc.runner.RunResult
    out_dir : path
        Created if needed.
    title : str
        The page's title.

    Returns
    -------
    Path
        The report.html written.
    """
    out_dir = Path(out_dir)
    write_mapping_report(result.compilation, out_dir)
    write_provenance_report(result.provenance, out_dir, result.compilation.image.machine)
    plots = write_plots(result, out_dir / "plots")
    path = out_dir / "report.html"
    path.write_text(run_html(result, plots, title), encoding="utf-8")
    return path


def write_mapping_html(compiled, out_dir, title: str = "spinnc map") -> Path:
    """Write the mapping report of a compiled model (no run) into ``out_dir``:
    mapping.txt/json, the machine map coloured by cores and routing entries,
    and report.html.  Returns the report.html written."""
    out_dir = Path(out_dir)
    write_mapping_report(compiled, out_dir)
    plots = write_mapping_plots(compiled, out_dir / "plots")
    path = out_dir / "report.html"
    path.write_text(mapping_html(compiled, plots, title), encoding="utf-8")
    return path
