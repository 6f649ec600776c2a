"""report.html: self-contained, summary first, and rendered by headless Chromium."""

import base64
import re
import shutil
import subprocess

import pytest

from spinnc.report.html import MAX_ROWS, table, write_mapping_html, write_report

from ..chromium import chromium_command


@pytest.fixture(scope="module")
def report(run_result, tmp_path_factory):
    return write_report(run_result, tmp_path_factory.mktemp("report"))


def test_report_is_self_contained(report):
    text = report.read_text()
    assert "<link" not in text and "@import" not in text and "url(" not in text
    assert not re.search(r"<script[^>]*\bsrc=", text)
    sources = re.findall(r'<img[^>]*\bsrc="([^"]*)"', text)
    assert len(sources) == len(list((report.parent / "plots").glob("*.png"))) > 5
    for source in sources:
        prefix = "data:image/png;base64,"
        assert source.startswith(prefix)
        assert base64.b64decode(source[len(prefix):])[:4] == b"\x89PNG"


def test_report_shows_the_summary_first_then_map_plots_and_mapping(report, run_result):
    text = report.read_text()
    order = ['id="summary"', 'id="comparison"', 'id="machine-map"', "<h2>Plots</h2>",
             'id="partition"', 'id="placement"', 'id="keys"', 'id="routing"',
             'id="provenance-cores"', 'id="provenance-routers"', 'id="quantisation"']
    positions = [text.index(marker) for marker in order]
    assert positions == sorted(positions)
    comparison = text[text.index('id="comparison"'):]
    comparison = comparison[:comparison.index("</table>")]
    for name, c in run_result.summary["compare"].items():
        assert f"<td>{name}</td><td>{c['rms_error_fixed']:.4f}</td>" in comparison
    for name in ("sine", "x squared", "x spikes", "y voltage"):
        assert f"<figcaption>{name}</figcaption>" in text
    summary = text[text.index('id="summary"'):]
    summary = summary[:summary.index("</table>")]
    assert f"{run_result.summary['energy']['joules']:.3f} J" in summary
    for directory_file in ("mapping.json", "mapping.txt", "provenance.json"):
        assert (report.parent / directory_file).is_file()


def test_mapping_report_has_the_map_and_tables_but_no_run(run_result, tmp_path):
    text = write_mapping_html(run_result.compilation, tmp_path).read_text()
    for marker in ('id="summary"', 'id="machine-map"', 'id="partition"', 'id="routing"',
                   'id="quantisation"'):
        assert marker in text
    assert 'id="comparison"' not in text and "provenance" not in text
    assert (tmp_path / "plots" / "machine_map.png").is_file()


def test_tables_escape_cells_and_cut_long_ones():
    assert "<td>&lt;b&gt; &amp;</td>" in table(("a",), [("<b> &",)])
    long = table(("n",), [(i,) for i in range(MAX_ROWS + 5)])
    assert long.count("<tr>") == MAX_ROWS + 1 and f"First {MAX_ROWS} of {MAX_ROWS + 5}" in long


# -- headless Chromium -----------------------------------------------------------

def render(path, tmp_path):
    """Open ``path`` in headless Chromium: the <body> attributes the page's script
    set, the dumped DOM and the console messages Chromium logged."""
    profile = tmp_path / "chromium-profile"
    result = subprocess.run(
        [chromium_command(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
         "--dump-dom", path.resolve().as_uri()],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    body = re.search(r"<body([^>]*)>", result.stdout)
    assert body, result.stdout[:2000]
    attributes = dict(re.findall(r'data-([\w-]+)="([^"]*)"', body.group(1)))
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    return attributes, result.stdout, console


def test_report_renders_in_chromium(report, tmp_path):
    attributes, dom, console = render(report, tmp_path)
    assert console == []
    assert attributes["rendered"] == "ok" and attributes["errors"] == ""
    assert int(attributes["images"]) > 5
    assert attributes["decoded-images"] == attributes["images"]  # every PNG decoded
    assert re.search(r'<img id="machine-map"[^>]*src="data:image/png', dom)
    assert '<table id="comparison">' in dom and "<td>x squared</td>" in dom


def test_chromium_check_catches_errors_and_broken_images(report, tmp_path):
    text = report.read_text()
    broken = tmp_path / "broken.html"
    broken.write_text(text.replace("data:image/png;base64,iVBOR", "data:image/png;base64,AAAA", 1)
                      .replace("</body>", "<script>undefinedFunction();</script></body>"))
    attributes, _, console = render(broken, tmp_path)
    assert int(attributes["decoded-images"]) == int(attributes["images"]) - 1
    assert "undefinedFunction" in attributes["errors"] and "failed to load IMG" in \
        attributes["errors"]
    assert any("undefinedFunction" in line for line in console)


def test_missing_chromium_fails_when_required(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("SPINNC_REQUIRE_CHROMIUM", "1")
    with pytest.raises(pytest.fail.Exception, match="chromium is not installed"):
        chromium_command()
    monkeypatch.delenv("SPINNC_REQUIRE_CHROMIUM")
    with pytest.raises(pytest.skip.Exception):
        chromium_command()
