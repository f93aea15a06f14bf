"""The project's own knowledge files (expert.yaml, model_catalogue.yaml, compute.yaml): every
claim cited, every citation resolvable, editable by an organisation like the guide's files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge import KnowledgeError, default_knowledge, load_knowledge
from knowledge.loader import DEFAULT_DIR

KB = default_knowledge()
# The papers and provider docs the issue names must each be cited somewhere.
REQUIRED_SOURCES = {"hu_lora", "qlora", "lester", "dpo", "instructgpt", "hinton", "chinchilla",
                    "dapt", "vllm", "openai_ft", "vertex_tuning", "bedrock"}


def _default(name: str) -> dict:
    return yaml.safe_load((DEFAULT_DIR / f"{name}.yaml").read_text(encoding="utf-8"))


def _write(directory: Path, name: str, data: object) -> None:
    (directory / f"{name}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                            encoding="utf-8")


def test_every_topic_claim_has_a_source_and_the_named_papers_are_cited() -> None:
    cited: set[str] = set()
    for topic in KB.expert.topics.values():
        assert topic.source == "ours" and topic.claims
        for claim in topic.claims:
            assert claim.text.strip() and claim.cite
            cited |= set(claim.cite)
    for claims in KB.expert.notes.values():
        cited |= {k for c in claims for k in c.cite}
    assert cited >= REQUIRED_SOURCES


def test_an_unknown_citation_fails_at_load(tmp_path: Path) -> None:
    data = _default("expert")
    data["topics"]["distillation"]["claims"][0]["cite"] = ["no_such_paper"]
    _write(tmp_path, "expert", data)
    with pytest.raises(KnowledgeError, match="no_such_paper"):
        load_knowledge(tmp_path)


def test_compute_cites_only_known_sources(tmp_path: Path) -> None:
    data = _default("compute")
    data["cite"] = ["kaplan", "made_up"]
    _write(tmp_path, "compute", data)
    with pytest.raises(KnowledgeError, match="compute.yaml: cite: unknown sources.*made_up"):
        load_knowledge(tmp_path)


def test_an_organisation_can_update_gpu_prices(tmp_path: Path) -> None:
    from dialogs.followups.training_cost import training_cost
    data = _default("compute")
    data["gpus"]["h100"]["usd_per_hour"] = {"low": 1.0, "high": 1.0}
    data["prices_as_of"] = "January 2027"
    _write(tmp_path, "compute", data)
    own = load_knowledge(tmp_path)
    assert own.compute.prices_as_of == "January 2027"
    cheap = training_cost(7e9, 1e9, "standard", own, "h100")
    dear = training_cost(7e9, 1e9, "standard", KB, "h100")
    assert cheap.usd[1] < dear.usd[1]


def test_model_aliases_are_lower_case_and_unique(tmp_path: Path) -> None:
    data = _default("model_catalogue")
    data["models"][1]["aliases"].append(data["models"][0]["aliases"][0])
    _write(tmp_path, "model_catalogue", data)
    with pytest.raises(KnowledgeError, match="repeated"):
        load_knowledge(tmp_path)


@pytest.mark.parametrize(("name", "total_b", "active_b"), [
    ("Mixtral 8x7B", 46.7, 12.9),      # Jiang et al. 2024
    ("Mixtral 8x22B", 141, 39),        # Mistral AI, April 2024
])
def test_mixtures_of_experts_count_every_expert(name: str, total_b: float,
                                                active_b: float) -> None:
    m = next(m for m in KB.model_catalogue.models if m.name == name)
    assert (m.params_b, m.active_params_b) == (total_b, active_b)


def test_gpu_prices_are_dated_and_sourced() -> None:
    c = KB.compute
    assert c.prices_as_of and c.default_gpu in c.gpus
    for gpu in c.gpus.values():
        assert 0 < gpu.usd_per_hour.low <= gpu.usd_per_hour.high and gpu.cite
