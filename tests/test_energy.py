"""The energy estimate (spinnc.energy): the official tools' model."""

import pytest

from spinnc import energy
from spinnc.formats.provenance import CoreProvenance, Provenance, RouterProvenance


def test_the_estimate_is_the_official_tools_formula():
    provenance = Provenance(
        2000, 200_000,
        cores=[CoreProvenance(0, 0, c, "a", "ensemble") for c in (1, 2, 3)],
        routers=[RouterProvenance(0, 0, local_multicast=4000, non_local_multicast=0),
                 RouterProvenance(1, 0, local_multicast=0, non_local_multicast=2500)])
    e = energy.estimate(provenance, chips=48, seconds=2.0)
    assert (e.chips, e.cores, e.hops) == (48, 3, 6500)
    assert e.joules == pytest.approx(0.35 * 48 * 2 + 0.034 * 3 * 2 + 1e-9 * 6500)
    summary = e.summary()
    assert summary["mean_watts"] == pytest.approx(e.joules / 2, abs=1e-4)
    assert energy.from_summary(summary, 2.0) == e
    assert "6,500 packet hops" in e.describe()


def test_spinnc_run_prints_and_records_the_estimate(tmp_path, capsys):
    import json

    from spinnc import cli

    from .test_cli import CHANNEL

    out = tmp_path / "report"
    assert cli.main(["run", CHANNEL, "--duration", "0.1", "--placer", "hilbert",
                     "--out", str(out)]) == 0
    assert "energy (the official tools' model): " in capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    e = summary["energy"]
    assert e["chips"] == summary["machine"]["chips"]
    assert e["active_cores"] == summary["machine"]["cores_used"]
    assert e["packet_hops"] >= summary["run"]["packets_sent"] > 0  # one hop at least each
    assert e["joules"] == pytest.approx(0.35 * e["chips"] * 0.1 + 0.034 * e["active_cores"]
                                        * 0.1 + 1e-9 * e["packet_hops"], abs=1e-5)
