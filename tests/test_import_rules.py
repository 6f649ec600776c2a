"""DESIGN.md's import rules hold: shared/tools/import_rules.py finds no break."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT.parent / "shared" / "tools" / "import_rules.py"


@pytest.mark.skipif(not TOOL.is_file(), reason="shared/tools/import_rules.py is not beside "
                    "this checkout")
def test_import_rules_report_no_break():
    result = subprocess.run([sys.executable, str(TOOL)], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "0 breaks of DESIGN.md's import rules", \
        result.stdout
    assert result.returncode == 0
