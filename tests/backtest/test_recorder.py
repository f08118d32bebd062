"""The recorder on a live engine: NautilusTrader's own EMACross, custom events, canonical form."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from nautilus_trader.config import StrategyConfig
from nautilus_trader.core.data import Data
from nautilus_trader.examples.strategies.ema_cross import EMACross, EMACrossConfig
from nautilus_trader.model.data import Bar, BarType, DataType
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.objects import Money
from nautilus_trader.trading.strategy import Strategy

from engine.backtest import execute
from engine.backtest.execution import build_engine
from engine.eventlog import EventLog, read_log
from engine.events import ModelDecision, Scar, encode_json
from engine.recording import IdMapper, Recorder
from engine.recording.canonical import canonical_value
from tests.realdata import ETH_BTC_BAR_TYPE as BAR_TYPE
from tests.realdata import ETH_BTC_ID as INSTRUMENT_ID
from tests.realdata import eth_btc_bars, eth_btc_pair

BALANCES = [Money.from_str("10 BTC"), Money.from_str("100 ETH")]


def test_nautilus_ema_cross_runs_unchanged_and_every_order_is_logged(tmp_path):
    bars = eth_btc_bars(1500)
    engine = build_engine(eth_btc_pair(), bars, BALANCES, seed=3, purge_every=None)  # reads the cache
    log = EventLog.create(tmp_path / "events")
    recorder = Recorder(log, marks_every=500)
    engine.add_actor(recorder)
    config = EMACrossConfig(
        instrument_id=InstrumentId.from_str(INSTRUMENT_ID),
        bar_type=BarType.from_str(BAR_TYPE),
        trade_size=Decimal("0.5"),
    )
    engine.add_strategy(EMACross(config))
    engine.run()
    recorder.finish()
    orders = engine.cache.orders()
    fills = {(o.client_order_id.value, t.value) for o in orders for t in o.trade_ids}
    positions = engine.cache.position_snapshots() + engine.cache.positions()
    engine.dispose()
    log.close()
    records = list(read_log(tmp_path / "events"))
    kinds = Counter(r.kind for r in records)
    assert len(orders) > 20
    logged_orders = {r.data["client_order_id"] for r in records if r.kind == "OrderInitialized"}
    assert logged_orders == {o.client_order_id.value for o in orders}
    logged_fills = [
        (r.data["client_order_id"], r.data["trade_id"]) for r in records if r.kind == "OrderFilled"
    ]
    assert sorted(logged_fills) == sorted(fills)
    assert kinds["PositionOpened"] == len(positions)
    assert kinds["AccountState"] == len(fills) + 1
    assert sum(len(r.data["ts"]) for r in records if r.kind == "Marks") == len(bars)


class Publisher(Strategy):
    """Publishes a ModelDecision every 100 bars and one Scar."""

    def __init__(self) -> None:
        super().__init__(StrategyConfig(strategy_id="Publisher-001"))
        self.count = 0

    def on_start(self) -> None:
        self.subscribe_bars(BarType.from_str(BAR_TYPE))

    def on_bar(self, bar: Bar) -> None:
        self.count += 1
        if self.count % 100 == 0:
            decision = ModelDecision(
                ts_event=bar.ts_init,
                ts_init=bar.ts_init,
                model_id="m-1",
                artifact_hash="ab" * 32,
                feature_digest=f"f{self.count}",
                probabilities=encode_json([0.25, 0.75]),
                action="BUY",
                confidence=0.75,
                instrument_id=bar.bar_type.instrument_id,
            )
            self.publish_data(DataType(ModelDecision), decision)
        if self.count == 250:
            scar = Scar(
                bar.ts_init,
                bar.ts_init,
                agent_id="a-1",
                severity="light",
                kind="drawdown",
                loss_fraction=0.05,
                equity="95",
                peak="100",
                effects=encode_json({"explore": 1.5}),
            )
            self.publish_data(DataType(Scar), scar)


def test_custom_events_published_by_a_strategy_land_in_the_log(tmp_path):
    bars = eth_btc_bars(600)
    execution = execute(
        eth_btc_pair(), bars, Publisher(), BALANCES, seed=1, log_dir=tmp_path / "ev", manifest={}
    )
    records = list(read_log(tmp_path / "ev"))
    decisions = [r for r in records if r.kind == "ModelDecision"]
    assert [d.data["feature_digest"] for d in decisions] == [f"f{n}" for n in range(100, 601, 100)]
    assert decisions[0].data["instrument_id"] == INSTRUMENT_ID
    assert decisions[0].data["ts_event"] == bars[99].ts_init
    assert decisions[0].data["probabilities"] == "[0.25,0.75]"
    scars = [r for r in records if r.kind == "Scar"]
    assert len(scars) == 1 and scars[0].data["severity"] == "light"
    assert records[-1].kind == "RunEnded" and execution.head == records[-1].chain


def test_custom_event_is_data():
    assert issubclass(ModelDecision, Data)


uuids = st.uuids(version=4).map(str)


@settings(max_examples=50, deadline=None)
@given(st.lists(uuids, min_size=1, max_size=30), st.data())
def test_canonical_ids_depend_only_on_first_appearance_order(values, data):
    """Relabelling the random UUIDs consistently never changes the canonical form."""
    distinct = list(dict.fromkeys(values))
    fresh = data.draw(st.lists(uuids, min_size=len(distinct), max_size=len(distinct), unique=True))
    fresh = [f for f in fresh if f not in distinct] + [f for f in fresh if f in distinct]
    relabel = dict(zip(distinct, fresh, strict=True))
    payload = {"events": [{"event_id": v, "amount": Decimal("1.50")} for v in values]}
    other = {"events": [{"event_id": relabel[v], "amount": Decimal("1.50")} for v in values]}
    a, b = canonical_value(payload, IdMapper()), canonical_value(other, IdMapper())
    assert a == b
    assert {e["event_id"] for e in a["events"]} == {f"uuid-{i:06d}" for i in range(1, len(distinct) + 1)}
    assert a["events"][0]["amount"] == "1.50"
