"""CPU dry run of tests/calibration/measure_switches.py: its cases and the record format `tuneplan validate` reads."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load():
    spec = importlib.util.spec_from_file_location("measure_switches", ROOT / "tests/calibration/measure_switches.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["measure_switches"] = mod  # dataclasses resolve annotations through sys.modules
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod


def test_dry_run_writes_one_record_per_case_in_the_reference_format(tmp_path):
    mod = load()
    out = tmp_path / "switches.json"
    assert mod.main(["--dry-run", "--out", str(out)]) == 0
    records = json.loads(out.read_text())["records"]
    assert [r["id"] for r in records] == [f"calibration-{c.id}" for c in mod.CASES]
    reference = json.loads((ROOT / "tests/fixtures/reference-measurements.json").read_text())["records"][0]
    for r in records:
        assert set(r) - set(reference) <= set(), f"fields not in the reference format: {set(r) - set(reference)}"
        assert "active_bytes" in r["memory_metric"]
    compiled = next(r for r in records if r["id"] == "calibration-full-compile")
    assert compiled["other_settings"] == "packed+compile"


def test_allocator_cases_draw_the_same_unpacked_batches_in_the_order_they_name(tmp_path):
    """Issue 15 §3: shuffled vs longest-first vs expandable segments, over the same rows (a fixed seed)."""
    mod = load()
    by_id = {c.id: c for c in mod.CASES}
    shuffled = mod.row_lengths(by_id["lora-shuffled"], 96)
    longest = mod.row_lengths(by_id["lora-longest-first"], 96)
    assert sorted(shuffled) == sorted(longest) and shuffled != longest
    assert longest == sorted(longest, reverse=True)
    assert mod.row_lengths(by_id["lora-shuffled-expandable"], 96) == shuffled
    seq = by_id["lora-shuffled"].seq_len
    assert min(shuffled) >= seq // 8 and max(shuffled) <= seq
    out = tmp_path / "switches.json"
    assert mod.main(["--dry-run", "--out", str(out), "--only", "lora-longest-first,lora-shuffled-expandable"]) == 0
    records = {r["id"]: r for r in json.loads(out.read_text())["records"]}
    first = records["calibration-lora-longest-first"]
    # The words electron/cli/reference.ts reads: not packed, the longest row, the mean, the bucketed order.
    assert "packed" not in first["other_settings"]
    assert f"truncated to max_seq_length {seq}" in first["sequence_length_note"]
    assert "length-bucketed" in first["sequence_length_note"]
    assert "mean ~" in first["sequence_length_note"]
    assert records["calibration-lora-shuffled-expandable"]["other_settings"] == "expandable segments"
