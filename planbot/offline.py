"""Environment for a machine with no internet: no hub downloads, no telemetry."""

import os

_OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


def set_offline_env() -> None:
    """Set the variables that keep libraries from reaching out (callers may override them)."""
    for key, value in _OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
