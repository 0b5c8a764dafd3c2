"""Validate HTML documents with the Nu HTML Checker (vnu.jar from tests/browser's npm package)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

VNU_JAR = Path(__file__).resolve().parents[1] / "browser/node_modules/vnu-jar/build/dist/vnu.jar"


def html_errors(documents, folder):
    """Write {name: html bytes} into folder, validate them together, return the errors."""
    if not VNU_JAR.exists() or shutil.which("java") is None:
        pytest.skip("the Nu HTML Checker needs Java and `npm ci --prefix tests/browser`")
    files = []
    for name, content in documents.items():
        path = Path(folder) / f"{name.replace(' ', '-')}.html"
        path.write_bytes(content)
        files.append(str(path))
    result = subprocess.run(  # noqa: S603
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--stdout", *files],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stdout or "{}").get("messages", [])
    return [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m.get("type") == "error"
    ]
