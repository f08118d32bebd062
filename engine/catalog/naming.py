"""What a source file's name says: symbol, data kind, bar interval and bar price type.

The inference rule (others rely on it, keep it exact):

* venue is ``SIM`` unless an instrument is given;
* the file-name stem (name without suffixes) is split on ``-``; scanning left to right, the first
  token that is an interval (``5m``, ``1h``, ``1d``, ``m1``, ...) or a kind word (``trades``,
  ``quotes``) ends the symbol; if there is none, the symbol is the first token alone;
* the symbol is those tokens joined with ``_``, ``/`` and ``-`` removed, upper-cased;
* ``trades``/``quotes`` tokens mark tick files; an interval token gives the bar step; otherwise the
  bar step is inferred from the median timestamp spacing;
* a ``bid``/``ask``/``mid`` token sets the bar price type (default ``LAST``).

Examples: ``ETH_BTC-5m.feather`` -> ``ETHBTC`` 5-MINUTE; ``BTC-PERP-1m-2022-01.csv`` -> ``BTCPERP``
1-MINUTE; ``orcl-1995-2014.csv`` -> ``ORCL`` (spacing); ``GBPUSD-m1-bid-2012.csv`` -> ``GBPUSD``
1-MINUTE-BID; ``XRP_ETH-trades.feather`` -> ``XRPETH`` trades.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DEFAULT_VENUE = "SIM"
KINDS = ("bars", "trades", "quotes")

_UNIT_NS = {
    "SECOND": 1_000_000_000,
    "MINUTE": 60_000_000_000,
    "HOUR": 3_600_000_000_000,
    "DAY": 86_400_000_000_000,
    "WEEK": 7 * 86_400_000_000_000,
}
_UNIT_LETTER = {"s": "SECOND", "m": "MINUTE", "h": "HOUR", "d": "DAY", "w": "WEEK"}
_PRICE_TYPES = ("LAST", "BID", "ASK", "MID")
_INTERVAL_RE = re.compile(r"^(?:(\d+)([smhdwSHDW])|([mhdwMHDW])(\d+))$")
_KIND_WORDS = {"trades": "trades", "trade": "trades", "quotes": "quotes", "quote": "quotes"}


@dataclass(frozen=True)
class NameHints:
    """What a file name tells: ``symbol`` (cleaned), ``raw_symbol`` (as written, e.g. ``ETH_BTC``),
    ``kind`` (or None), ``step`` e.g. ``5-MINUTE`` (or None) and the bar ``price_type``."""

    symbol: str
    raw_symbol: str
    kind: str | None
    step: str | None
    price_type: str


def file_stem(path: str | Path) -> str:
    """The file name without any of its suffixes (``a-1m.csv.gz`` -> ``a-1m``)."""
    name = Path(path).name
    return name.split(".", 1)[0] if "." in name else name


def _interval_token(token: str) -> str | None:
    m = _INTERVAL_RE.match(token)
    if not m:
        return None
    if m.group(1):
        count, letter = int(m.group(1)), m.group(2)
    else:
        count, letter = int(m.group(4)), m.group(3)
    if count <= 0:
        return None
    return f"{count}-{_UNIT_LETTER[letter.lower()]}"


def clean_symbol(text: str) -> str:
    """Upper-case ``text`` with ``_``, ``/`` and ``-`` removed."""
    return re.sub(r"[_/\-]", "", text).upper()


def infer_from_name(path: str | Path) -> NameHints:
    """Apply the inference rule above to ``path``'s file name."""
    tokens = [t for t in file_stem(path).split("-") if t]
    end, kind, step = None, None, None
    for i, tok in enumerate(tokens):
        if tok.lower() in _KIND_WORDS:
            end, kind = i, _KIND_WORDS[tok.lower()]
            break
        interval = _interval_token(tok)
        if interval:
            end, step = i, interval
            break
    symbol_tokens = tokens[:end] if end else tokens[:1]
    price_type = "LAST"
    for tok in tokens[1:]:
        if tok.upper() in ("BID", "ASK", "MID"):
            price_type = tok.upper()
    raw = "-".join(symbol_tokens)
    return NameHints(clean_symbol(raw), raw, kind, step, price_type)


def parse_bar_spec(spec: str) -> tuple[int, str, str | None]:
    """Parse ``5-MINUTE`` or ``5-MINUTE-BID`` into (step, aggregation, price type or None)."""
    parts = spec.strip().upper().split("-")
    if len(parts) not in (2, 3) or not parts[0].isdigit() or parts[1] not in _UNIT_NS:
        raise ValueError(
            f"bar spec {spec!r}: expected STEP-AGGREGATION[-PRICETYPE] such as 5-MINUTE or 1-MINUTE-BID "
            f"with aggregation one of {sorted(_UNIT_NS)}"
        )
    price_type = parts[2] if len(parts) == 3 else None
    if price_type is not None and price_type not in _PRICE_TYPES:
        raise ValueError(f"bar spec {spec!r}: price type must be one of {_PRICE_TYPES}")
    if int(parts[0]) <= 0:
        raise ValueError(f"bar spec {spec!r}: step must be positive")
    return int(parts[0]), parts[1], price_type


def step_ns(step: str) -> int:
    """Length in nanoseconds of a bar step such as ``5-MINUTE``."""
    count, aggregation, _ = parse_bar_spec(step)
    return count * _UNIT_NS[aggregation]


def step_from_spacing(spacing_ns: int) -> str:
    """The bar step naming ``spacing_ns`` exactly in the largest fitting unit (60 s -> 1-MINUTE)."""
    if spacing_ns <= 0:
        raise ValueError("spacing must be positive")
    for unit in ("WEEK", "DAY", "HOUR", "MINUTE", "SECOND"):
        size = _UNIT_NS[unit]
        if spacing_ns % size == 0:
            return f"{spacing_ns // size}-{unit}"
    raise ValueError(f"spacing of {spacing_ns} ns is not a whole number of seconds")
