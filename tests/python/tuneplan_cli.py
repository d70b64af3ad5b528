"""Calls the Tuneplan command line from Python tests.

`node build/bin/tuneplan.mjs` rebuilds the CLI bundle when its sources are newer, so the tests always
run against the working tree. Node is found on PATH (shutil.which), the repository from this file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / "build" / "bin" / "tuneplan.mjs"


def node() -> str | None:
    return shutil.which("node")


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    exe = node()
    if exe is None:
        raise RuntimeError("node is not on PATH: the Python tier needs it to run build/bin/tuneplan.mjs")
    return subprocess.run(
        [exe, str(CLI), *args], cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False
    )


def model_report(config_path: str | Path, techniques: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """`tuneplan model CONFIG --json [--technique JSON]...` as a dict; raises with stderr when it refuses."""
    args = ["model", str(config_path), "--json"]
    for t in techniques or []:
        args += ["--technique", json.dumps(t)]
    done = run_cli(*args)
    if done.returncode != 0:
        raise RuntimeError(f"tuneplan model exited {done.returncode}: {done.stderr.strip()}")
    return json.loads(done.stdout)


def estimate_report(plan_path: str | Path) -> dict[str, Any]:
    """`tuneplan estimate PLAN --json` as a dict."""
    done = run_cli("estimate", str(plan_path), "--json")
    if done.returncode != 0:
        raise RuntimeError(f"tuneplan estimate exited {done.returncode}: {done.stderr.strip()}")
    return json.loads(done.stdout)


def plan_from_config(config: Any, folder: Path, techniques: list[dict[str, Any]], **sections: Any) -> Path:
    """A plan for a transformers config: saved as config.json and read by `tuneplan import` (the same reader the app
    uses, shared/catalog/hf-config.ts), with these techniques and the given plan sections merged in (training,
    distribution, ...). Returns the plan file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    config.save_pretrained(folder)
    path = folder / "plan.json"
    done = run_cli("import", str(folder / "config.json"), "--out", str(path))
    if done.returncode != 0:
        raise RuntimeError(f"tuneplan import exited {done.returncode}: {done.stderr.strip()}")
    plan = json.loads(path.read_text())
    plan["techniques"] = techniques
    for key, values in sections.items():
        plan[key] = {**plan.get(key, {}), **values}
    path.write_text(json.dumps(plan))
    return path
