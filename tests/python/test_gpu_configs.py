"""The exports that need GPUs (DeepSpeed ZeRO, FSDP, multi-GPU and multi-node launches, Azure ML, KAITO, Olive)
cannot train here, so each is checked by what can referee it without a GPU:

- ds_config.json: DeepSpeed's own DeepSpeedConfig (pydantic models that forbid unknown keys, plus its batch
  arithmetic train_batch_size = micro batch x accumulation x world size, at the plan's GPU count), and
  transformers' HfTrainerDeepSpeedConfig through the script's SFTConfig (its trainer_config_finalize raises on any
  value that disagrees with the trainer's arguments).
- accelerate_config.yaml: accelerate's launcher, `accelerate launch --config_file ...` argument parsing and
  _validate_launch_command, which loads the YAML into its ClusterConfig dataclass (unknown keys raise).
- train.py: run with the real LoraConfig / SFTConfig construction and get_peft_model on the tiny model of the
  target architecture; only SFTTrainer is replaced (it would start DeepSpeed or FSDP, which need GPUs), and
  SFTConfig gets use_cpu=True (bf16 on a machine without a GPU is otherwise refused before the config is read).
- azureml-job.yml, kaito-workspace.yaml, olive-workflow.json: by schema, checked here field by field against the
  documented formats (the azure-ai-ml, KAITO and olive-ai packages are not in this venv; see each test).
"""

from __future__ import annotations

import json

import pytest
import yaml

from conftest import export, make_plan, run_script

DISTRIBUTIONS = {
    "zero1-4gpu": {"gpusPerNode": 4, "strategy": "zero1"},
    "zero2-offload-cpu": {"gpusPerNode": 4, "strategy": "zero2", "offloadOptimizer": "cpu"},
    "zero3-2nodes-offload": {
        "gpusPerNode": 4,
        "nodes": 2,
        "strategy": "zero3",
        "offloadOptimizer": "cpu",
        "offloadParams": "cpu",
    },
    "zero3-nvme": {"gpusPerNode": 8, "strategy": "zero3", "offloadOptimizer": "nvme", "offloadParams": "nvme"},
    "fsdp-full-offload": {"gpusPerNode": 4, "strategy": "fsdp_full", "offloadParams": "cpu"},
    "fsdp-grad-op": {"gpusPerNode": 2, "strategy": "fsdp_grad_op"},
    "ddp-4gpu": {"gpusPerNode": 4, "strategy": "ddp"},
    "ddp-2nodes": {"gpusPerNode": 2, "nodes": 2, "strategy": "ddp"},
}


class DataParallelOnly:
    """The `mpu` DeepSpeedConfig asks for the data-parallel world size: the plan's GPU count."""

    def __init__(self, world: int):
        self.world = world

    def get_data_parallel_world_size(self):
        return self.world


def gpu_plan(dist: dict, technique: str = "lora", precision: str = "mixed") -> dict:
    plan = make_plan("llama", [{"kind": technique, "rank": 4, "alpha": 8}], precision=precision)
    return {**plan, "distribution": dist}


@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
def test_deepspeed_and_accelerate_configs_pass_their_libraries_validation(
    name, tiny_model, dataset, tmp_path, monkeypatch
):
    dist = DISTRIBUTIONS[name]
    gpus = dist["gpusPerNode"] * dist.get("nodes", 1)
    folder = export(gpu_plan(dist), "deepspeed", tmp_path / "export")
    uses_ds = dist["strategy"].startswith("zero")
    assert (folder / "ds_config.json").exists() == uses_ds

    # accelerate's own launcher validation of the YAML.
    from accelerate.commands.launch import _validate_launch_command, launch_command_parser

    args = launch_command_parser().parse_args(
        ["--config_file", str(folder / "accelerate_config.yaml"), str(folder / "train.py")]
    )
    args, defaults, mp_from_config_flag = _validate_launch_command(args)
    assert (args.num_processes, args.num_machines) == (gpus, dist.get("nodes", 1))
    if uses_ds:
        # What `accelerate launch` does next (accelerate 1.15 commands/launch.py launch_command): it passes the YAML's
        # DeepSpeed fields, plus mixed_precision when the YAML set it, in ACCELERATE_CONFIG_DS_FIELDS, and
        # DeepSpeedPlugin._deepspeed_config_checks (utils/dataclasses.py) raises when deepspeed_config_file is used
        # with any of them.
        from accelerate.utils.dataclasses import DeepSpeedPlugin

        fields = list(defaults.deepspeed_config.keys()) + (["mixed_precision"] if mp_from_config_flag else [])
        monkeypatch.setenv("ACCELERATE_CONFIG_DS_FIELDS", ",".join(fields))
        DeepSpeedPlugin._deepspeed_config_checks(object.__new__(DeepSpeedPlugin))
    if dist.get("nodes", 1) > 1:
        # accelerate 1.15 utils/launch.py prepare_multi_gpu_env / prepare_deepspeed_cmd_env: several machines need
        # the rendezvous address and port.
        assert args.main_process_ip and args.main_process_port
    assert bool(args.use_deepspeed) == uses_ds
    assert bool(args.use_fsdp) == dist["strategy"].startswith("fsdp")

    if uses_ds:
        # DeepSpeed's own config class, at the plan's world size. Its constructor asks torch.distributed for the
        # rank first (and falls back to a world of 1 when no process group exists), so say rank 0 here.
        import deepspeed.comm
        from deepspeed.runtime.config import DeepSpeedConfig

        monkeypatch.setattr(deepspeed.comm, "get_rank", lambda *a, **k: 0)
        ds = DeepSpeedConfig(str(folder / "ds_config.json"), mpu=DataParallelOnly(gpus))
        assert ds.zero_optimization_stage == int(dist["strategy"][-1])
        with pytest.raises(AssertionError, match="train_batch_size"):
            DeepSpeedConfig(str(folder / "ds_config.json"), mpu=DataParallelOnly(gpus + 1))

    # The script itself: real configs and get_peft_model on the target architecture; the trainer is stood in for.
    import trl
    from peft import get_peft_model

    seen = {}

    class RecordingTrainer:
        def __init__(
            self, model, args, train_dataset, processing_class, eval_dataset=None, peft_config=None, optimizers=None
        ):
            seen["model"] = get_peft_model(model, peft_config) if peft_config else model
            if getattr(args, "hf_deepspeed_config", None) is not None:
                # transformers' check that ds_config.json agrees with the trainer's arguments.
                args.hf_deepspeed_config.trainer_config_finalize(args, model, num_training_steps=10)
            seen["args"] = args

        # Trainer.is_fsdp_enabled: train.py switches FSDP to a full state dict before the final save.
        is_fsdp_enabled = False

        def train(self):
            pass

        def save_model(self, output):
            pass

    # ZeRO-3 must be registered before from_pretrained, so the model loads partitioned (zero.Init) instead of whole
    # in every process: transformers 5.24 modeling_utils asks is_deepspeed_zero3_enabled() while loading. Record its
    # answer; zero.Init itself needs a process group, so the load then goes on unpartitioned.
    import transformers.modeling_utils as modeling_utils

    real_zero3 = modeling_utils.is_deepspeed_zero3_enabled
    asked = []

    def zero3_at_load():
        asked.append(real_zero3())
        return False

    monkeypatch.setattr(modeling_utils, "is_deepspeed_zero3_enabled", zero3_at_load)
    real_config = trl.SFTConfig
    # SFTConfig compares ds_config.json's batch sizes with its own at the plan's world size (this machine's is 1).
    monkeypatch.setattr(real_config, "world_size", property(lambda _: gpus))
    monkeypatch.setattr(trl, "SFTTrainer", RecordingTrainer)
    monkeypatch.setattr(trl, "SFTConfig", lambda **kw: real_config(**{"use_cpu": True, **kw}))
    monkeypatch.chdir(folder)  # train.py names ds_config.json relative to its folder, as launch.sh runs it
    run_script(
        folder / "train.py",
        ["--model", str(tiny_model("llama")), "--data", str(dataset["text"]), "--output", str(tmp_path / "o")],
    )
    assert sum(p.numel() for p in seen["model"].parameters() if p.requires_grad) > 0
    assert (seen["args"].deepspeed is not None) == uses_ds
    assert any(asked) == (dist["strategy"] == "zero3"), f"ZeRO-3 enabled while loading: {asked}"


def test_deepspeed_rejects_an_unknown_key(tmp_path, monkeypatch):
    """The referee can fail: DeepSpeed's pydantic config forbids keys it does not know."""
    import deepspeed.comm
    from deepspeed.runtime.config import DeepSpeedConfig

    monkeypatch.setattr(deepspeed.comm, "get_rank", lambda *a, **k: 0)
    folder = export(gpu_plan(DISTRIBUTIONS["zero1-4gpu"]), "deepspeed", tmp_path / "export")
    config = json.loads((folder / "ds_config.json").read_text())
    config["zero_optimization"]["stage3_not_a_key"] = 1
    with pytest.raises(Exception, match="stage3_not_a_key"):
        DeepSpeedConfig(config, mpu=DataParallelOnly(4))


def test_azureml_job_by_schema(tmp_path):
    """Schema check (azure-ai-ml is not installed): the command job fields of
    https://learn.microsoft.com/azure/machine-learning/reference-yaml-job-command (type, command, code,
    environment, compute, resources.instance_count, distribution.type pytorch)."""
    folder = export(gpu_plan(DISTRIBUTIONS["zero3-2nodes-offload"]), "azureml", tmp_path / "export")
    job = yaml.safe_load((folder / "azureml-job.yml").read_text())
    assert job["$schema"] == "https://azuremlschemas.azureedge.net/latest/commandJob.schema.json"
    assert job["type"] == "command" and job["code"] == "."
    # accelerate starts a process per GPU itself: one launcher per node, rendezvous from Azure ML's NODE_RANK and
    # MASTER_ADDR/MASTER_PORT (a process per GPU here would start gpusPerNode² processes).
    assert "accelerate launch --config_file accelerate_config.yaml --machine_rank $NODE_RANK" in job["command"]
    assert "--main_process_ip $MASTER_ADDR --main_process_port $MASTER_PORT train.py" in job["command"]
    assert job["inputs"]["train_data"]["type"] == "uri_file" and job["outputs"]["model"]["type"] == "uri_folder"
    assert job["environment"].startswith("azureml:") and job["compute"].startswith("azureml:")
    assert job["resources"] == {"instance_count": 2}
    assert job["distribution"] == {"type": "pytorch", "process_count_per_instance": 1}
    assert {"train.py", "accelerate_config.yaml", "ds_config.json"} <= {p.name for p in folder.iterdir()}


def test_kaito_workspace_by_schema(tmp_path):
    """Schema check (no Kubernetes API server here): the Workspace tuning fields of KAITO's CRD
    (kaito.sh/v1alpha1: resource.instanceType, tuning.preset.name, tuning.method lora|qlora, input.urls,
    output.image)."""
    plan = {
        **gpu_plan({"gpusPerNode": 1}, technique="qlora"),
        "model": {"source": "catalog", "id": "Phi-3-mini-4k-instruct"},
    }
    folder = export(plan, "kaito", tmp_path / "export")
    ws = yaml.safe_load((folder / "kaito-workspace.yaml").read_text())
    assert (ws["apiVersion"], ws["kind"]) == ("kaito.sh/v1beta1", "Workspace")
    cm = yaml.safe_load((folder / "kaito-tuning-configmap.yaml").read_text())
    assert ws["tuning"]["config"] == cm["metadata"]["name"]
    lora = yaml.safe_load(cm["data"]["training_config.yaml"])["training_config"]["LoraConfig"]
    assert (lora["r"], lora["lora_alpha"]) == (4, 8)
    assert len(ws["metadata"]["name"]) <= 63 and ws["resource"]["instanceType"]
    assert ws["tuning"]["method"] in ("lora", "qlora") and ws["tuning"]["preset"]["name"]
    assert ws["tuning"]["input"]["urls"] and ws["tuning"]["output"]["image"]


def test_olive_workflow_by_schema(tmp_path):
    """Schema check (olive-ai is not installed): an Olive workflow's input_model, systems, data_configs and
    passes, with a LoRA-family fine-tuning pass followed by MergeAdapterWeights and ModelBuilder."""
    folder = export(gpu_plan({"gpusPerNode": 1}, technique="dora"), "olive", tmp_path / "export")
    wf = json.loads((folder / "olive-workflow.json").read_text())
    assert wf["input_model"]["type"] == "HfModel"
    assert wf["systems"][wf["host"]]["type"] == "LocalSystem"
    assert [p["type"] for p in wf["passes"].values()] == ["DoRA", "MergeAdapterWeights", "ModelBuilder"]
    assert wf["passes"]["finetune"]["train_data_config"] in {d["name"] for d in wf["data_configs"]}
