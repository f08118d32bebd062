"""Pinned canonical bytes: the on-disk format must never change, however the encoder is optimised.

The digests were computed with the original (pre-optimisation) encoder; stored logs and their
chain heads depend on these exact bytes.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

import pytest

from engine.eventlog.encoding import canonical_bytes

PAYLOADS: dict[str, Any] = {
    "order_filled": {
        "trader_id": "LINEAGE-001",
        "strategy_id": "EMACross-000",
        "instrument_id": "ETHBTC.SIM",
        "client_order_id": "O-20180110-002000-001-000-1",
        "venue_order_id": "SIM-1-001",
        "account_id": "SIM-001",
        "trade_id": "SIM-1-001",
        "position_id": "ETHBTC.SIM-EMACross-000",
        "order_side": "BUY",
        "order_type": "MARKET",
        "last_qty": "0.500",
        "last_px": "0.091046 BTC",
        "currency": "BTC",
        "commission": "0.00004553 BTC",
        "liquidity_side": "TAKER",
        "event_id": "uuid-000007",
        "ts_event": 1515544200000000000,
        "ts_init": 1515544200000000000,
        "reconciliation": False,
        "info": {},
        "amount": Decimal("0.045523"),
    },
    "account_state": {
        "account_id": "SIM-001",
        "account_type": "CASH",
        "base_currency": None,
        "balances": [
            {
                "type": "AccountBalance",
                "total": "9.95443700",
                "locked": "0.00000000",
                "free": "9.95443700",
                "currency": "BTC",
            },
            {
                "type": "AccountBalance",
                "total": "100.50000000",
                "locked": "0.00000000",
                "free": "100.50000000",
                "currency": "ETH",
            },
        ],
        "margins": [],
        "reported": True,
        "info": {},
        "event_id": "uuid-000010",
        "ts_event": 1515544200000000000,
        "ts_init": 1515544200000000000,
    },
    "model_decision": {
        "model_id": "eth-xgb:3",
        "artifact_hash": "ab" * 32,
        "feature_digest": "cd" * 32,
        "probabilities": "[0.1120000034570694,0.3,0.5879999995231628]",
        "action": "hold:signal",
        "confidence": 0.5879999995231628,
        "instrument_id": "ETHBTC.SIM",
        "ts_event": 1515544200000000000,
        "ts_init": 1515544200000000000,
    },
    "marks": {
        "bar_type": "ETHBTC.SIM-5-MINUTE-LAST-EXTERNAL",
        "ts": [1515544200000000000, 1515544500000000000],
        "close": ["0.091046", "0.091100"],
    },
    "awkward": {
        "z": [1, -1, 2**70, -(2**64), 0, True, False, None, [], {}, (1, "t")],
        "floats": [0.1, 1e-7, 1e22, 1e16, -0.0, 5e-324, 1.7976931348623157e308, 123456789.125, 2.5],
        "decimals": [
            Decimal("1E+2"),
            Decimal("-0.00"),
            Decimal("0.000001"),
            Decimal("-12345678901234567890.5"),
            Decimal("1e-30"),
        ],
        "text": [
            "caf\u00e9",
            "\u65e5\u672c",
            "\U0001f600",
            'quote"back\\slash',
            "ctl\n\t\x00\x1f",
            "\u2028\u2029",
            "",
        ],
        "\u00e9t\u00e9": 1,
        "B": 2,
        "a": 3,
        "": 4,
        "a\n": 5,
        "10": 6,
        "9": 7,
        "nested": {"deeper": {"deepest": [{"k": Decimal("3.14")}, {"k": 2.0}]}},
    },
}

PINNED_SHA256 = {
    "order_filled": "fff5ab5a02c3a44421d32d08bd368bd4b6ac4c43847749e8d014b891f4a0e8da",
    "account_state": "78e3652aa41a826c54d3ae024c7d8367344d2e4447cf509df44284501b5e50c6",
    "model_decision": "626e21bebac46579867ccc5d0d1a4722b232b5673926e3643a75b0aa0eed24df",
    "marks": "8705a260c3cc9ba9f06d2b2e345b9ad56e8b8e6709952358c63e9687863b1f01",
    "awkward": "44dabdfc04eb38a4cbddd1531e6dc408e0635c2a8bea6f3e0b115d2a36d3d8f4",
}


@pytest.mark.parametrize("name", sorted(PINNED_SHA256))
def test_canonical_bytes_are_pinned(name: str) -> None:
    assert hashlib.sha256(canonical_bytes(PAYLOADS[name])).hexdigest() == PINNED_SHA256[name]


def test_record_envelope_bytes_are_pinned() -> None:
    record = canonical_bytes({"seq": 7, "kind": "OrderFilled", "data": PAYLOADS["order_filled"]})
    assert hashlib.sha256(record).hexdigest() == (
        "a95ac1d9c346dbc6f31f1db78ec9d9e077371c9cd876556f63708569b04a4abb"
    )


def test_literal_bytes_of_small_payloads() -> None:
    assert canonical_bytes(PAYLOADS["marks"]) == (
        b'{"bar_type":"ETHBTC.SIM-5-MINUTE-LAST-EXTERNAL","close":["0.091046","0.091100"],'
        b'"ts":[1515544200000000000,1515544500000000000]}'
    )
    assert canonical_bytes(PAYLOADS["awkward"]["floats"]) == (
        b"[0.1,1e-07,1e+22,1e+16,-0.0,5e-324,1.7976931348623157e+308,123456789.125,2.5]"
    )
    assert canonical_bytes(PAYLOADS["awkward"]["decimals"]) == (
        b'["1E+2","-0.00","0.000001","-12345678901234567890.5","1E-30"]'
    )
    assert (
        canonical_bytes(PAYLOADS["awkward"]["text"])
        == (
            '["café","日本","\U0001f600","quote\\"back\\\\slash","ctl\\n\\t\\u0000\\u001f","\u2028\u2029",""]'
        ).encode()
    )
