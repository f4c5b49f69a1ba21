"""Render a denied decision's notebook HTML in a light and a dark notebook page and take a
screenshot of each with headless Chromium: docs/decision-light.png, docs/decision-dark.png.

    python scripts/screenshot_html.py [--chromium PATH] [--out DIR]

The dark page sets what JupyterLab's dark theme sets (`data-jp-theme-light="false"` and
its --jp-* colour variables) on a dark background, so the screenshot shows the HTML
following the notebook's theme as it does in JupyterLab; the light page sets nothing (the
HTML's own defaults). Needs Chromium (Debian: `apt-get install chromium`).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import iamsim

ROOT = Path(__file__).resolve().parents[1]

# JupyterLab 4's dark theme variables that the HTML reads (values from its theme-dark
# extension's variables.css, rounded): text, muted text, page and code backgrounds, borders.
_JUPYTERLAB_DARK = """
:root{--jp-content-font-color1:rgba(255,255,255,1);--jp-content-font-color2:rgba(255,255,255,.7);
--jp-layout-color0:#111111;--jp-layout-color1:#212121;--jp-border-color1:#616161}
body{background:#111111;color:rgba(255,255,255,1)}
"""
_LIGHT = "body{background:#ffffff}"


def denied_decision() -> iamsim.Decision:
    """The seed role assumed through an organization whose OU's SCP denies it, with the
    wrong external ID: both sides deny, so both panels show a denying row."""
    doc = iamsim.World.demo().to_dict()
    doc["organization"] = {
        "id": "o-a1b2c3d4e5",
        "management_account": "999999999999",
        "policies": {
            "DenyAssumeRole": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "NoRoleAssumption",
                        "Effect": "Deny",
                        "Action": "sts:AssumeRole",
                        "Resource": "*",
                    }
                ],
            }
        },
        "root": {
            "accounts": ["999999999999"],
            "ous": {
                "Workloads": {
                    "scps": ["FullAWSAccess", "DenyAssumeRole"],
                    "accounts": ["111111111111", "222222222222"],
                }
            },
        },
    }
    doc["accounts"]["999999999999"] = {}
    return iamsim.World.from_dict(doc).assume_role(
        "arn:aws:iam::111111111111:user/alice",
        role_arn="arn:aws:iam::222222222222:role/CrossAccountS3Reader",
        session_name="dev-session",
        external_id="wrong-id",
    )


def page(fragment: str, dark: bool) -> str:
    """A notebook-like page around the fragment, light or JupyterLab dark."""
    theme = "false" if dark else "true"
    style = _JUPYTERLAB_DARK if dark else _LIGHT
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><style>{style}'
        "body{margin:12px;font-family:sans-serif}</style></head>"
        f'<body data-jp-theme-light="{theme}">{fragment}</body></html>'
    )


def screenshot(chromium: str, html_text: str, out: Path, dark: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "page.html"
        source.write_text(html_text, encoding="utf-8")
        scheme = "dark" if dark else "light"
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--hide-scrollbars",
                f"--blink-settings=preferredColorScheme={1 if scheme == 'light' else 0}",
                f"--user-data-dir={tmp}/profile",
                "--window-size=1280,900",
                f"--screenshot={out}",
                source.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args(argv)
    fragment = denied_decision()._repr_html_()
    for name, dark in (("decision-light.png", False), ("decision-dark.png", True)):
        target = args.out / name
        screenshot(args.chromium, page(fragment, dark), target, dark)
        print(f"wrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
