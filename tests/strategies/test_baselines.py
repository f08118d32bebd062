"""Baselines in a real BacktestEngine over real ETH/BTC 5-minute bars; the registry resolves and builds."""

from __future__ import annotations

import itertools
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig
from nautilus_trader.examples.strategies.ema_cross import EMACross, EMACrossConfig
from nautilus_trader.model.currencies import BTC
from nautilus_trader.model.data import BarType
from nautilus_trader.model.enums import AccountType, OmsType, TimeInForce
from nautilus_trader.model.identifiers import InstrumentId, Symbol, Venue
from nautilus_trader.model.instruments import CurrencyPair
from nautilus_trader.model.objects import Money
from nautilus_trader.trading.strategy import Strategy

from engine.errors import LineageError
from strategies.baselines import BuyAndHold, BuyAndHoldConfig, MovingAverageCross, MovingAverageCrossConfig
from strategies.registry import build_strategy, resolve_strategy
from tests.realdata import FIVE_MINUTES, eth_btc_frame, eth_btc_pair, wrangle_bars

SIM = Venue("SIM")
INSTRUMENT_ID = InstrumentId(Symbol("ETH/BTC"), SIM)
BAR_TYPE = BarType.from_str("ETH/BTC.SIM-5-MINUTE-LAST-EXTERNAL")
EMA_CROSS_PATH = "nautilus_trader.examples.strategies.ema_cross:EMACross"


def price_precision(frame: pd.DataFrame) -> int:
    """Fewest decimals that represent every price of the data exactly (to float noise)."""
    prices = frame[["open", "high", "low", "close"]].to_numpy()
    return next(p for p in range(1, 12) if np.abs(prices - prices.round(p)).max() < 1e-12)


@pytest.fixture(scope="module")
def ohlcv() -> pd.DataFrame:
    return eth_btc_frame()


@pytest.fixture(scope="module")
def instrument(ohlcv) -> CurrencyPair:
    return eth_btc_pair(INSTRUMENT_ID.value, price_precision(ohlcv), margin=Decimal(1))


@pytest.fixture(scope="module")
def bars(ohlcv, instrument):
    return wrangle_bars(ohlcv, BAR_TYPE, instrument, FIVE_MINUTES)


def run_backtest(strategy: Strategy, instrument, bars, account_type=AccountType.CASH) -> BacktestEngine:
    engine = BacktestEngine(BacktestEngineConfig(logging=LoggingConfig(log_level="ERROR")))
    engine.add_venue(
        SIM,
        oms_type=OmsType.NETTING,
        account_type=account_type,
        base_currency=None if account_type == AccountType.CASH else BTC,
        starting_balances=[Money(1, BTC)],
    )
    engine.add_instrument(instrument)
    engine.add_data(bars)
    engine.add_strategy(strategy)
    engine.run()
    return engine


def fills(engine: BacktestEngine) -> pd.DataFrame:
    report = engine.trader.generate_fills_report()
    return report.sort_values("ts_event") if len(report) else report


def test_bars_are_stamped_at_their_close(ohlcv, bars):
    assert len(bars) == len(ohlcv)
    assert pd.Timestamp(bars[0].ts_init, tz="UTC") == ohlcv.index[0] + FIVE_MINUTES


@pytest.mark.parametrize("close_on_stop", [False, True])
def test_buy_and_hold_buys_once_and_holds(instrument, bars, ohlcv, close_on_stop):
    config = BuyAndHoldConfig(
        instrument_id=INSTRUMENT_ID, bar_type=BAR_TYPE, close_positions_on_stop=close_on_stop
    )
    engine = run_backtest(BuyAndHold(config), instrument, bars)
    report = fills(engine)
    buys = report[report["order_side"] == "BUY"]
    assert len(buys) == 1
    bought = Decimal(buys["last_qty"].iloc[0])
    # sized at 95% of the 1 BTC free balance at the first close, rounded down to the size step
    first_close = Decimal(str(float(ohlcv["close"].iloc[0])))
    want = (Decimal("0.95") / first_close).quantize(Decimal("0.001"), "ROUND_DOWN")
    assert bought == want
    assert buys["ts_event"].iloc[0] == ohlcv.index[0] + FIVE_MINUTES  # decided on the first bar's close
    (position,) = engine.cache.positions(instrument_id=INSTRUMENT_ID)
    if close_on_stop:
        sells = report[report["order_side"] == "SELL"]
        # one closing order at the stop; it may fill in slices against the bar-derived book
        assert sells.index.nunique() == 1
        assert sum(Decimal(q) for q in sells["last_qty"]) == bought
        assert position.is_closed
    else:
        assert len(report) == 1 and position.is_open and position.quantity.as_decimal() == bought
    engine.dispose()


def expected_target(close: pd.Series, fast: int, slow: int, kind: str) -> pd.Series:
    """+1 long / 0 flat per bar, recomputed with pandas; NaN before both averages are warm."""
    if kind == "ema":
        fast_ma = close.ewm(span=fast, adjust=False).mean()
        slow_ma = close.ewm(span=slow, adjust=False).mean()
    else:
        fast_ma, slow_ma = close.rolling(fast).mean(), close.rolling(slow).mean()
    target = (fast_ma > slow_ma).astype(float)
    target.iloc[: slow - 1] = np.nan
    return target


@pytest.mark.parametrize(("kind", "fast", "slow"), [("ema", 12, 26), ("sma", 10, 30)])
def test_ma_cross_trades_exactly_where_the_cross_changes(instrument, bars, ohlcv, kind, fast, slow):
    n = 3000
    config = MovingAverageCrossConfig(
        instrument_id=INSTRUMENT_ID,
        bar_type=BAR_TYPE,
        fast=fast,
        slow=slow,
        kind=kind,
        close_positions_on_stop=False,
    )
    engine = run_backtest(MovingAverageCross(config), instrument, bars[:n])
    report = fills(engine)
    target = expected_target(ohlcv["close"].iloc[:n], fast, slow, kind)
    warm = target.dropna()
    changes = warm.diff().fillna(warm.iloc[0])  # entering flat: the first warm bar trades if long
    changed = changes[changes != 0]
    expected_ts = list(changed.index + FIVE_MINUTES)  # decisions happen at the bar's close (ts_init)
    expected_sides = ["BUY" if c > 0 else "SELL" for c in changed]
    assert len(report) > 10
    assert list(report["ts_event"]) == expected_ts
    assert list(report["order_side"]) == expected_sides
    sides = report["order_side"].tolist()
    assert all(a != b for a, b in itertools.pairwise(sides))  # alternate: BUY, SELL, BUY, ...
    assert sides[0] == "BUY"
    engine.dispose()


def test_ma_cross_allow_short_goes_short(instrument, bars):
    config = MovingAverageCrossConfig(
        instrument_id=INSTRUMENT_ID,
        bar_type=BAR_TYPE,
        fast=12,
        slow=26,
        allow_short=True,
        trade_size=Decimal("1"),
    )
    strategy = MovingAverageCross(config)
    engine = run_backtest(strategy, instrument, bars[:1500], account_type=AccountType.MARGIN)
    positions = engine.cache.positions(instrument_id=INSTRUMENT_ID)
    report = fills(engine)
    sides = zip(report["last_qty"], report["order_side"], strict=True)
    signed = [Decimal(q) * (1 if side == "BUY" else -1) for q, side in sides]
    net = list(itertools.accumulate(signed))
    assert max(net) == 1 and min(net) == -1  # held both a 1 ETH long and a 1 ETH short
    assert net[-1] == 0
    assert all(p.is_closed for p in positions)  # flattened on stop
    engine.dispose()


def test_registry_resolves_short_names_and_paths():
    assert resolve_strategy("buy-and-hold") == (BuyAndHold, BuyAndHoldConfig)
    assert resolve_strategy("ema-cross") == (MovingAverageCross, MovingAverageCrossConfig)
    assert resolve_strategy("sma-cross") == (MovingAverageCross, MovingAverageCrossConfig)
    assert resolve_strategy(EMA_CROSS_PATH) == (EMACross, EMACrossConfig)
    assert resolve_strategy("strategies.baselines.buy_and_hold:BuyAndHold")[0] is BuyAndHold


def test_build_strategy_parses_values_and_fills_ids():
    sma = build_strategy(
        "sma-cross",
        {"fast": "5", "slow": "20", "trade_size": "0.5", "allow_short": "yes", "balance_fraction": "0.5"},
        instrument_id="ETH/BTC.SIM",
        bar_type=BAR_TYPE,
    )
    assert isinstance(sma, MovingAverageCross)
    c = sma.config
    assert (c.fast, c.slow, c.kind, c.allow_short) == (5, 20, "sma", True)
    assert c.trade_size == Decimal("0.5") and c.balance_fraction == 0.5
    assert c.instrument_id == INSTRUMENT_ID and c.bar_type == BAR_TYPE
    ema_default = build_strategy("ema-cross", {}, instrument_id=INSTRUMENT_ID, bar_type=BAR_TYPE)
    assert ema_default.config.kind == "ema"

    ema = build_strategy(
        EMA_CROSS_PATH,
        {"trade_size": "0.05", "fast_ema_period": "5", "order_time_in_force": "ioc", "request_bars": "false"},
        instrument_id=INSTRUMENT_ID,
        bar_type=str(BAR_TYPE),
    )
    assert isinstance(ema, EMACross)
    assert ema.config.trade_size == Decimal("0.05") and ema.config.fast_ema_period == 5
    assert ema.config.order_time_in_force == TimeInForce.IOC and ema.config.request_bars is False
    assert ema.config.bar_type == BAR_TYPE


def test_built_ema_cross_example_runs_in_a_backtest(instrument, bars):
    strategy = build_strategy(
        EMA_CROSS_PATH,
        {"trade_size": "1", "request_bars": "false", "subscribe_trade_ticks": "false"},
        instrument_id=INSTRUMENT_ID,
        bar_type=BAR_TYPE,
    )
    engine = run_backtest(strategy, instrument, bars[:800], account_type=AccountType.MARGIN)
    assert len(fills(engine)) > 0
    engine.dispose()


@pytest.mark.parametrize(
    ("name", "params", "match"),
    [
        ("no-such-strategy", {}, r"unknown strategy 'no-such-strategy': expected one of \['buy-and-hold'"),
        ("no_such_module:Thing", {}, "cannot import module 'no_such_module'"),
        ("engine.errors:LineageError", {}, "no Strategy subclass named 'LineageError'"),
        ("ema-cross", {"fastt": "3"}, r"unknown parameter 'fastt'; valid parameters: .*fast, .*slow"),
        ("ema-cross", {"fast": "abc"}, r"parameter fast='abc': expected int"),
        ("ema-cross", {"fast": "0"}, r"parameter fast='0': expected int \(Expected `int` >= 1\)"),
        ("ema-cross", {"fast": "30", "slow": "10"}, r"fast \(30\) must be less than slow \(10\)"),
        ("sma-cross", {"kind": "wma"}, "expected one of 'ema', 'sma'"),
        ("buy-and-hold", {"trade_size": "lots"}, "trade_size='lots': expected Decimal or none"),
        ("buy-and-hold", {"balance_fraction": "1.5"}, r"balance_fraction='1.5'.*<= 1.0"),
        ("buy-and-hold", {"close_positions_on_stop": "maybe"}, "expected a boolean"),
        (EMA_CROSS_PATH, {}, "missing required field `trade_size`"),
        (EMA_CROSS_PATH, {"trade_size": "1", "fast_ema_period": "40"}, "rejected its configuration"),
    ],
)
def test_build_strategy_rejects_bad_input_clearly(name, params, match):
    with pytest.raises(LineageError, match=match):
        build_strategy(name, params, instrument_id=INSTRUMENT_ID, bar_type=BAR_TYPE)
