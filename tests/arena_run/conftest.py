from pathlib import Path

import pytest
import torch

from engine.catalog import sample_catalog

torch.set_num_threads(1)

INSTRUMENT = "ETHBTC.SIM"
BAR = "5-MINUTE"
# training: the first ~2 days of real ETH/BTC 5-minute bars; evaluation: the next day (unseen)
SMALL = dict(
    instrument_id=INSTRUMENT,
    bar=BAR,
    agents=4,
    generations=2,
    generation_bars=64,
    start="2018-01-10",
    end="2018-01-12",
    eval_start="2018-01-12 06:00",
    eval_end="2018-01-13",
    evaluate_top=0,
)


@pytest.fixture(scope="session")
def catalog() -> Path:
    return sample_catalog()
