"""A live view of the emulated machine: a page that shows, while a model
runs, each chip's packets per tick and each core's load, updating a few
times a second.

``sim.machine_view()`` (:meth:`spinnc.Simulator.machine_view`) serves it on
this computer and returns a :class:`MachineView` whose :attr:`~MachineView.url`
a browser opens.  The page asks for ``state.json`` every
:data:`POLL_MS` milliseconds; the state is read from the running
Simulator's provenance (what the routers and cores counted so far), so the
packet rates are over the ticks since the page last asked.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

POLL_MS = 250

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>spinnc: the machine, live</title>
<style>
body { font: 14px sans-serif; margin: 1em; }
#chips { border: 1px solid #ccc; }
td, th { padding: 0 0.6em; text-align: right; }
</style></head>
<body data-updates="0">
<h1>spinnc: the machine, live</h1>
<p id="status">waiting for the simulator</p>
<canvas id="chips" width="480" height="480"></canvas>
<p>Each square a chip: its colour its packets routed per tick (white none, dark
red the most), its bars its cores' load (cycles of the last tick over a tick's).</p>
<table id="cores"><thead><tr><th>core</th><th>application</th><th>name</th>
<th>load</th><th>most</th></tr></thead><tbody></tbody></table>
<script>
"use strict";
const canvas = document.getElementById("chips"), ctx = canvas.getContext("2d");
function draw(state) {
  const w = state.width, h = state.height, size = Math.min(canvas.width / w, canvas.height / h);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const most = Math.max(1, ...state.chips.map(c => c.packets_per_tick));
  for (const c of state.chips) {
    const shade = Math.round(255 * (1 - Math.sqrt(c.packets_per_tick / most)));
    ctx.fillStyle = `rgb(${Math.min(255, 110 + shade)}, ${shade}, ${shade})`;
    const x = c.x * size, y = (h - 1 - c.y) * size;
    ctx.fillRect(x + 1, y + 1, size - 2, size - 2);
    ctx.strokeStyle = "#bbb";
    ctx.strokeRect(x + 1, y + 1, size - 2, size - 2);
    const cores = state.cores.filter(k => k.x === c.x && k.y === c.y);
    cores.forEach((k, i) => {
      const bar = (size - 4) / Math.max(cores.length, 1);
      ctx.fillStyle = k.load > 1 ? "#000" : "#1f5fbf";
      const tall = Math.min(1, k.load) * (size - 4);
      ctx.fillRect(x + 2 + i * bar, y + size - 2 - tall, Math.max(bar - 1, 1), tall);
    });
  }
}
function table(state) {
  const body = document.querySelector("#cores tbody");
  body.innerHTML = state.cores.map(k => `<tr><td>(${k.x}, ${k.y}, ${k.core})</td>` +
    `<td>${k.application}</td><td>${k.name}</td><td>${(100 * k.load).toFixed(1)}%</td>` +
    `<td>${(100 * k.max_load).toFixed(1)}%</td></tr>`).join("");
}
async function update() {
  try {
    const state = await (await fetch("state.json", {cache: "no-store"})).json();
    draw(state);
    table(state);
    const packets = state.chips.reduce((s, c) => s + c.packets_per_tick, 0);
    document.getElementById("status").textContent =
      `t = ${state.time.toFixed(3)} s (${state.steps} ticks), ${packets.toFixed(1)} ` +
      `packets routed per tick, ${state.cores.length} cores`;
    const d = document.body.dataset;
    d.updates = String(Number(d.updates) + 1);
    d.steps = String(state.steps);
    d.packets = String(packets);
    d.load = String(Math.max(0, ...state.cores.map(k => k.load)));
  } catch (error) {
    document.getElementById("status").textContent = `not answering: ${error}`;
  }
  setTimeout(update, POLL_MS);
}
const POLL_MS = POLL_MS_VALUE;
update();
</script></body></html>
"""


class MachineView:
    """The live view's HTTP server (a daemon thread).

    Parameters
    ----------
    sim : spinnc.Simulator
        The running Simulator (its ``machine``, ``n_steps``, ``dt``,
        ``provenance()`` and ``tick_cycles()`` are read).
    host, port : str, int
        Where to serve (127.0.0.1: this computer only; port 0 picks one).
    """

    def __init__(self, sim, host: str = "127.0.0.1", port: int = 0):
        self.sim = sim
        self._last = (0, {}, {})  # ticks, chip -> packets routed, rates, when last asked
        self._lock = threading.Lock()
        view = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                path = self.path.split("?")[0]
                if path in ("/", "/index.html"):
                    body, kind = PAGE.replace("POLL_MS_VALUE", str(POLL_MS)).encode(), "text/html"
                elif path == "/state.json":
                    body, kind = json.dumps(view.state()).encode(), "application/json"
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                        name="spinnc machine view")
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/"

    def state(self) -> dict:
        """What the page shows now: per chip the packets routed per tick
        since the last ask, per core its load in the last tick and its most."""
        sim = self.sim
        machine = sim.machine
        try:
            provenance = sim.provenance()
            last = sim.tick_cycles()
        except Exception:  # closed, or between runs of a board: nothing to show
            return {"time": 0.0, "steps": 0, "width": machine.width,
                    "height": machine.height, "chips": [], "cores": []}
        routed = {(r.x, r.y): r.local_multicast + r.non_local_multicast
                  for r in provenance.routers}
        with self._lock:
            ticks, before, rates = self._last
            if provenance.ticks < ticks:  # a reset: count from 0 again
                ticks, before = 0, {}
            if provenance.ticks > ticks:  # else no tick since: the last rates stand
                span = provenance.ticks - ticks
                rates = {chip: (n - before.get(chip, 0)) / span for chip, n in routed.items()}
            self._last = (provenance.ticks, routed, rates)
        per_tick = machine.cycles_per_tick
        chips = [{"x": x, "y": y, "packets_per_tick": rates.get((x, y), 0.0)}
                 for x, y in sorted(machine.working_chips)]
        cores = [{"x": c.x, "y": c.y, "core": c.core, "name": c.name,
                  "application": c.application,
                  "load": (last.get((c.x, c.y, c.core), 0) / per_tick),
                  "max_load": c.max_cycles / per_tick} for c in provenance.cores]
        return {"time": provenance.ticks * sim.dt, "steps": provenance.ticks,
                "width": machine.width, "height": machine.height, "chips": chips,
                "cores": cores}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)

    def __enter__(self) -> "MachineView":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
