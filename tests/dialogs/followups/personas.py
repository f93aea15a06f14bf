"""Contrasting people, by their answers, for the in-context answers."""

from dialogs.slots import Slots

# Low budget, one consumer GPU: QLoRA.
BUDGET_CONSUMER_GPU = Slots(
    use_case="customer_service", has_data="yes", examples=5_000, priority="consistency",
    budget="low", uniqueness="specialized", accuracy="high", timeline="week",
    hardware="consumer_gpu")
# Perfect accuracy, high budget, a GPU cluster: standard fine-tuning (+ ensemble).
PERFECT_CLUSTER = Slots(
    use_case="customer_service", has_data="yes", examples=50_000, priority="consistency",
    budget="high", uniqueness="specialized", accuracy="perfect", timeline="quarter",
    hardware="gpu_cluster")
# Medium budget, datacenter GPUs, high accuracy: LoRA.
MEDIUM_DATACENTER = Slots(
    use_case="content_generation", has_data="yes", examples=2_000, priority="consistency",
    budget="medium", uniqueness="specialized", accuracy="high", timeline="week",
    hardware="datacenter_gpu")
# Acceptable accuracy on a common task, but consistency matters: prompt tuning.
ACCEPTABLE_COMMON = Slots(
    use_case="code_generation", has_data="yes", examples=3_000, priority="consistency",
    budget="medium", uniqueness="common", accuracy="acceptable", timeline="week",
    hardware="datacenter_gpu")
# No data, needs it today: prompt engineering.
NO_DATA_TODAY = Slots(
    use_case="customer_service", has_data="no", priority="speed", budget="low",
    uniqueness="common", accuracy="acceptable", timeline="today")
# Millions of examples, high budget, novel architecture: training from scratch.
NOVEL_MILLIONS = Slots(
    use_case="other", has_data="yes", examples=5_000_000, priority="novel_architecture",
    budget="high", uniqueness="novel", accuracy="perfect", timeline="quarter",
    hardware="gpu_cluster")
