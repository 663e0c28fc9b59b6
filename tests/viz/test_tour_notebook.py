"""notebooks/tour.ipynb runs top to bottom (executed with nbclient, so it never rots).

pytest's addopts ignore notebooks/, so this test executes it. Outputs go to
tmp_path (KG_TOUR_OUT); the committed notebook is left untouched.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sinks.seed_records import find_shared

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "tour.ipynb"


@pytest.mark.slow
def test_tour_notebook_executes(tmp_path, monkeypatch):
    shared_dir = find_shared()
    if shared_dir is None:
        pytest.skip("../shared (the PolNeAR slice) not found")
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")

    monkeypatch.setenv("KG_TOUR_OUT", str(tmp_path / "tour"))
    monkeypatch.setenv("KG_SHARED", str(shared_dir))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()

    out = tmp_path / "tour"
    assert (out / "all" / "graph.html").is_file()
    assert (out / "all" / "graph.trig").is_file()
    assert (out / "talked-about.png").stat().st_size > 10_000
    text = "\n".join(
        o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
        for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
    )
    assert "11 documents" in text  # the seed plus 10 PolNeAR dev articles
    assert "Blinken" in text and "Clinton" in text  # the seed and the PolNeAR slice are both in
    # Cypher either ran or said clearly why not.
    cypher = nb.cells[[i for i, c in enumerate(nb.cells) if "CYPHER" in c.source][0]]
    said = "".join(o.get("text", "") for o in cypher.outputs)
    assert said.startswith("Skipping Cypher: ") or any(o.get("output_type") == "display_data" for o in cypher.outputs)
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
