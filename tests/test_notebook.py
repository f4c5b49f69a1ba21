"""docs/explore.ipynb runs top to bottom in a Jupyter kernel, and shows what it promises.

The notebook is committed without outputs; this test executes it in memory (nbclient,
ipykernel), once: starting a kernel costs a few seconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).parents[1] / "docs" / "explore.ipynb"


def _texts(cell: Any) -> str:
    """Everything a code cell showed: its streams, its plain-text and HTML results."""
    shown = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            shown.append(output["text"])
        for kind in ("text/plain", "text/html"):
            shown.append(output.get("data", {}).get(kind, ""))
    return "\n".join(shown)


def test_the_notebook_runs_and_shows_the_diagnosis() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(not c.get("outputs") for c in code), "commit the notebook without outputs"
    NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=False).execute(
        cwd=str(NOTEBOOK.parent)
    )
    assert not [o for c in code for o in c.outputs if o["output_type"] == "error"]
    shown = [_texts(c) for c in code]
    assert 'class="iamsim iamsim-world"' in shown[0]  # the world, as HTML
    assert "text/html" in code[1].outputs[0]["data"]  # the denied decision, as HTML
    assert "role trust policy requires a different sts:ExternalId" in shown[2]
    assert "[('target', 'trust')]" in shown[2]
    assert "{'external_id': 'my-secret-123'}" in shown[3]
    assert "True arn:aws:sts::222222222222:assumed-role/CrossAccountS3Reader/dev" in shown[4]
    assert "Allowed" in shown[5]
