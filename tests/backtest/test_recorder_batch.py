"""A batched recorder (backtests) writes exactly the log an unbatched one writes."""

from __future__ import annotations

import uuid as uuid_module
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nautilus_trader.core.uuid import UUID4
from nautilus_trader.examples.strategies.ema_cross import EMACross
from nautilus_trader.model.currencies import BTC
from nautilus_trader.model.data import Bar, BarType, DataType
from nautilus_trader.model.enums import AccountType
from nautilus_trader.model.events import AccountState
from nautilus_trader.model.identifiers import AccountId
from nautilus_trader.model.objects import AccountBalance, MarginBalance, Money

from engine.backtest import execute
from engine.backtest import execution as execution_module
from engine.eventlog import EventLog, read_log
from engine.events import ModelDecision
from engine.recording import Recorder
from tests.backtest.ema import ema_cross
from tests.backtest.test_recorder import BALANCES, Publisher
from tests.realdata import ETH_BTC_BAR_TYPE as BAR_TYPE
from tests.realdata import eth_btc_bars, eth_btc_pair

_ema_cross = ema_cross


def _run(
    tmp_path, name: str, strategy, batch: int, monkeypatch, bars: int = 700, *, known_type: bool = False
) -> list:
    """The log of a run; ``known_type``: ``execute`` is told the bars' type (as ``run_backtest``
    tells it), so the recorder marks the input bars without reading their type."""
    monkeypatch.setattr(execution_module, "RECORD_BATCH", batch)
    execute(
        eth_btc_pair(),
        eth_btc_bars(bars),
        strategy,
        BALANCES,
        seed=2,
        log_dir=tmp_path / name,
        manifest={},
        bar_type=BAR_TYPE if known_type else None,
    )
    return [(r.kind, r.data, r.chain) for r in read_log(tmp_path / name)]


@settings(max_examples=6, deadline=None)
@given(st.integers(2, 700))
def test_any_batch_size_gives_the_unbatched_log(tmp_path_factory, batch: int) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        base = tmp_path_factory.mktemp("batch")
        for make in (_ema_cross, Publisher):
            unbatched = _run(base, f"{make.__name__}-1", make(), 1, monkeypatch)
            batched = _run(base, f"{make.__name__}-{batch}", make(), batch, monkeypatch)
            known = _run(base, f"{make.__name__}-{batch}-known", make(), batch, monkeypatch, known_type=True)
            assert batched == unbatched
            assert known == unbatched
            assert {"OrderFilled", "ModelDecision"} & {kind for kind, _, _ in batched}


class Mutator(Publisher):
    """Publishes a ModelDecision, then changes the very object it published."""

    def on_bar(self, bar: Bar) -> None:
        self.count += 1
        decision = ModelDecision(
            ts_event=bar.ts_init,
            ts_init=bar.ts_init,
            model_id="m-1",
            action="BUY",
            instrument_id=bar.bar_type.instrument_id,
        )
        self.publish_data(DataType(ModelDecision), decision)
        decision.action = "CHANGED"


def test_lineage_events_are_recorded_as_published(tmp_path, monkeypatch) -> None:
    records = _run(tmp_path, "mutator", Mutator(), 512, monkeypatch, bars=300)
    actions = [data["action"] for kind, data, _ in records if kind == "ModelDecision"]
    assert actions == ["BUY"] * 300


def test_margin_flips_batched_equal_unbatched(tmp_path, monkeypatch) -> None:
    """NautilusTrader reassigns the balances of an ``AccountState`` after publishing it (MARGIN
    accounts): the batched recorder encodes events on arrival, so its log is the unbatched one."""
    from tests.audit.test_margin_audit import _run as flipper_run

    logs = []
    for batch in (1, 512):
        monkeypatch.setattr(execution_module, "RECORD_BATCH", batch)
        run = flipper_run(tmp_path / f"flips-{batch}")
        logs.append([(r.kind, r.data, r.chain) for r in read_log(run.run_dir / "events")])
    assert logs[0] == logs[1]
    assert sum(kind == "AccountState" for kind, _, _ in logs[0]) > 20


class Boom(EMACross):
    def on_bar(self, bar: Bar) -> None:
        super().on_bar(bar)
        self.bars = getattr(self, "bars", 0) + 1
        if self.bars == 650:
            raise RuntimeError("boom")


def test_a_failed_run_keeps_what_an_unbatched_recorder_kept(tmp_path, monkeypatch) -> None:
    kept = []
    for batch in (1, 512):
        config = _ema_cross().config
        with pytest.raises(RuntimeError, match="boom"):
            _run(tmp_path, f"boom-{batch}", Boom(config), batch, monkeypatch)
        kept.append([(r.kind, r.data, r.chain) for r in read_log(tmp_path / f"boom-{batch}")])
    assert kept[0] == kept[1]
    assert sum(kind == "OrderFilled" for kind, _, _ in kept[0]) > 10


def test_events_with_container_fields_are_deep_copied_on_arrival() -> None:
    """A batched recorder reads a queued event later: a field that may hold a mutable container
    is copied when the event arrives; plain scalar fields (every Lineage event so far) are not."""
    import dataclasses

    from engine.recording.canonical import event_dict
    from engine.recording.recorder import _lineage_dict_of

    @dataclasses.dataclass
    class Tagged:
        tags: list
        ts_event: int = 0
        ts_init: int = 0

    event = Tagged(tags=["a"])
    snapshot = _lineage_dict_of(Tagged)(event)
    event.tags.append("b")
    assert snapshot["tags"] == ["a"]
    assert _lineage_dict_of(ModelDecision) is event_dict


class Echo(EMACross):
    """Trades as EMACross, and every 150th bar publishes a copy of the bar on the bars topic:
    a bar of the input's type that is not an input bar."""

    def on_bar(self, bar: Bar) -> None:
        super().on_bar(bar)
        self.echoed = getattr(self, "echoed", 0) + 1
        if self.echoed % 150 == 0:
            copy = Bar(
                bar.bar_type, bar.open, bar.high, bar.low, bar.close, bar.volume, bar.ts_event, bar.ts_init
            )
            self.msgbus.publish(f"data.bars.{bar.bar_type}", copy)


def test_bars_from_elsewhere_are_marked_in_arrival_order(tmp_path, monkeypatch) -> None:
    """A bar of the input's type that is not an input bar (published by a strategy) is marked
    like any other, in arrival order, batched exactly as unbatched."""
    logs = [
        _run(
            tmp_path,
            f"echo-{batch}-{known}",
            Echo(_ema_cross().config),
            batch,
            monkeypatch,
            2600,
            known_type=known,
        )
        for batch, known in ((1, False), (4096, False), (4096, True), (1, True))
    ]
    assert logs[0] == logs[1] == logs[2] == logs[3]
    marks = [data for kind, data, _ in logs[0] if kind == "Marks"]
    assert sum(len(m["close"]) for m in marks) == 2600 + 2600 // 150


def test_mixed_input_bar_types_are_marked_per_type(tmp_path, monkeypatch) -> None:
    bars = eth_btc_bars(1500)
    other = BarType.from_str(BAR_TYPE.replace("-5-MINUTE-", "-10-MINUTE-"))
    mixed = bars + [
        Bar(other, b.open, b.high, b.low, b.close, b.volume, b.ts_event, b.ts_init) for b in bars[::2]
    ]
    mixed.sort(key=lambda b: b.ts_init)
    logs = []
    for batch in (1, 4096):
        monkeypatch.setattr(execution_module, "RECORD_BATCH", batch)
        execute(
            eth_btc_pair(), mixed, _ema_cross(), BALANCES, seed=2, log_dir=tmp_path / f"m{batch}", manifest={}
        )
        logs.append([(r.kind, r.data, r.chain) for r in read_log(tmp_path / f"m{batch}")])
    assert logs[0] == logs[1]
    assert {d["bar_type"] for k, d, _ in logs[0] if k == "Marks"} == {BAR_TYPE, str(other)}


def _recorded(tmp_path, size: int, publish) -> list:
    """``(kind, data)`` of the log a recorder with batch ``size`` writes while ``publish(handler)``
    hands it events (its bus handler: ``_enqueue`` when batched, ``handle_message`` otherwise)."""
    log = EventLog.create(tmp_path / f"b{size}")
    recorder = Recorder(log, batch=size)
    publish(recorder._enqueue if size > 1 else recorder.handle_message)
    recorder.finish()
    log.close()
    return [(r.kind, r.data) for r in read_log(tmp_path / f"b{size}")]


def _account_state(info: dict, seq: int) -> AccountState:
    balance = AccountBalance(Money(seq, BTC), Money(0, BTC), Money(seq, BTC))
    return AccountState(
        AccountId("SIM-001"), AccountType.CASH, None, True, [balance], [], info, UUID4(), seq, seq
    )


@pytest.mark.parametrize("batch", [2, 64])
def test_account_states_are_recorded_as_they_were_on_arrival(tmp_path, batch) -> None:
    """A queued ``AccountState`` is recorded as it arrived, whether its dict takes the fast path
    (plain ``info``) or the generic walk (a ``Decimal`` and a UUID-valued tag in ``info``), even
    when its ``info`` dict is changed afterwards; ids are numbered in arrival order either way."""

    def events():
        out = []
        for seq in range(40):
            info = {"n": seq} if seq % 3 else {"fee": Decimal("0.5"), "tag": str(uuid_module.uuid4())}
            out.append((_account_state(info, seq), info))
        return out

    def publish(handler) -> None:
        for state, info in events():
            handler(state)
            info["n"] = "changed"  # NautilusTrader's info dict is the caller's: later edits must not show

    unbatched, batched = (_recorded(tmp_path, size, publish) for size in (1, batch))
    assert [data["info"].get("n") for _, data in batched] == [
        None if seq % 3 == 0 else seq for seq in range(40)
    ]
    assert batched[0][1]["info"]["fee"] == "0.5" and batched[0][1]["info"]["tag"] == "uuid-000001"
    assert [data["event_id"] for _, data in batched][:2] == ["uuid-000002", "uuid-000003"]
    assert batched == unbatched  # the unbatched recorder encodes each state as it arrives


@pytest.mark.parametrize("batch", [2, 64])
def test_account_states_keep_the_balances_they_arrived_with(tmp_path, batch) -> None:
    """The batched recorder reads a queued ``AccountState`` when it drains, and takes only its
    amounts on arrival: balances and margins swapped, added or dropped in the meantime (as
    NautilusTrader reassigns them) are recorded as they were, exactly as the unbatched recorder
    (which encodes on arrival) records them."""
    instrument = eth_btc_pair().id

    def publish(handler) -> None:
        for seq in range(30):
            state = _account_state({}, seq + 1)
            if seq % 2:
                state.margins.append(MarginBalance(Money(seq, BTC), Money(seq / 2, BTC), instrument))
            handler(state)
            if seq % 3 == 0:
                state.balances[0] = AccountBalance(Money(99, BTC), Money(1, BTC), Money(98, BTC))
            elif seq % 3 == 1:
                state.balances.append(AccountBalance(Money(5, BTC), Money(0, BTC), Money(5, BTC)))
            if state.margins:
                state.margins.clear()

    unbatched, batched = (_recorded(tmp_path, size, publish) for size in (1, batch))
    totals = [data["balances"][0]["total"] for _, data in batched]
    assert totals == [f"{seq + 1}.00000000" for seq in range(30)]
    assert [len(data["balances"]) for _, data in batched] == [1] * 30
    assert [len(data["margins"]) for _, data in batched] == [seq % 2 for seq in range(30)]
    assert batched == unbatched
