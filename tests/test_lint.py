"""The repository passes `ruff check .` with the configuration in pyproject.toml."""

import importlib.util
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def ruff_command():
    """ruff next to this Python (a venv's bin/), else the ruff module of this Python, else None."""
    beside = shutil.which("ruff", path=str(pathlib.Path(sys.executable).parent))
    if beside:
        return [beside]
    if importlib.util.find_spec("ruff") is not None:
        return [sys.executable, "-m", "ruff"]
    return None


def test_ruff_check_is_clean():
    command = ruff_command()
    if command is None:
        pytest.skip("ruff is not installed in this environment (pip install ruff, see requirements.txt)")
    result = subprocess.run(command + ["check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, f"ruff check . failed:\n{result.stdout}\n{result.stderr}"
