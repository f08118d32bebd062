"""Assemble and run a paper-trading session: TradingNode + our data client + Sandbox execution.

The strategy runs unchanged; a small ``VenueFeed`` actor subscribes the instrument's quotes and trades
so the Sandbox venue (which never fills from bars) sees a market even when the strategy trades bars.
The run directory holds ``log/`` (event log, ``durability="background"``: group commit on a writer
thread; order commands wait for their records, ``engine.paper.write_ahead``) and ``session.json``.

Durability: ``run_paper_session`` on a run directory that already holds a log continues it: the
log is reopened (a torn final record is recovered), the state is rebuilt from it
(``engine.paper.resume``), a ``SessionResumed`` record marks the seam, the Sandbox is funded with
the rebuilt balances, open positions are put back into the cache and the strategy, if it defines
``on_resume(state)``, is told the rebuilt state (scars included) before the node starts.

Recording: the ``Recorder`` actor (``engine.recording``) taps the bus into the run's ``EventLog``
between ``RunStarted`` (manifest) and ``RunEnded`` (summary); feed gaps are published on the bus as
``FeedGap`` events so the recorder logs them too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import threading
import urllib.request
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from nautilus_trader.adapters.sandbox.config import SandboxExecutionClientConfig
from nautilus_trader.common.actor import Actor
from nautilus_trader.config import LoggingConfig, TradingNodeConfig
from nautilus_trader.live.node import TradingNode
from nautilus_trader.model.events import OrderFilled
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.trading.strategy import Strategy

from engine.backtest.rundir import write_json_atomic
from engine.errors import LineageError
from engine.eventlog import EventLog, read_log
from engine.paper.data_client import (
    LiveMarketDataClient,
    LiveMarketDataClientConfig,
    LiveMarketDataClientFactory,
)
from engine.paper.events import FEED_GAP_TOPIC, FeedGap
from engine.paper.instruments import currency_pair_from_exchange_info
from engine.paper.latency import LatencyProbe
from engine.paper.resume import (
    SESSION_RESUMED,
    SessionState,
    check_same_session,
    restore_positions,
    session_state,
)
from engine.paper.write_ahead import DurableGate, WriteAheadSandboxFactory
from engine.recording import IdMapper, Recorder
from engine.recording.manifest import code_version, library_versions
from strategies.registry import build_strategy, resolve_strategy

DURABILITY = "background"  # group commit on the log's writer thread; orders wait for it (write-ahead)


@dataclass(frozen=True)
class PaperSessionConfig:
    """Everything a paper session needs; ``exchange_url`` is the REST base (WS derived from it)."""

    strategy: str
    instrument_id: str
    run_dir: Path
    params: dict[str, str] = field(default_factory=dict)
    bar: str | None = None
    exchange_url: str = "https://api.binance.com"
    ws_url: str | None = None
    duration: float | None = None
    starting_balances: tuple[str, ...] = ("1000000 USDT",)
    account_type: str = "MARGIN"
    log_level: str = "WARNING"
    reconnect_initial_delay: float = 0.1
    reconnect_max_delay: float = 5.0


@dataclass
class PaperResult:
    """What a finished session reports (also written to ``session.json``)."""

    run_dir: Path
    fills: list[dict[str, Any]]
    gaps: list[FeedGap]
    messages_received: int
    messages_rejected: int
    stopped_by: str
    rejections: list[str] = field(default_factory=list)
    events_recorded: int = 0
    resumed: dict[str, Any] | None = None
    latencies_ns: list[tuple[str, int]] = field(default_factory=list)
    latency: dict[str, Any] = field(default_factory=dict)
    final_balances: dict[str, str] = field(default_factory=dict)
    positions: dict[str, str] = field(default_factory=dict)


class VenueFeed(Actor):
    """Subscribes quotes and trades of one instrument so the Sandbox venue can fill orders."""

    def __init__(self, instrument_id: InstrumentId) -> None:
        super().__init__()
        self._instrument_id = instrument_id

    def on_start(self) -> None:
        """Subscribe the venue's fill sources."""
        self.subscribe_quote_ticks(self._instrument_id)
        self.subscribe_trade_ticks(self._instrument_id)

    def on_stop(self) -> None:
        """Subscriptions end with the node."""


def ws_base(http_url: str) -> str:
    """``ws://host:port`` for a simulator's ``http://host:port``; Binance's public stream host otherwise."""
    if http_url.rstrip("/") == "https://api.binance.com":
        return "wss://stream.binance.com:9443"
    return http_url.rstrip("/").replace("https://", "wss://").replace("http://", "ws://")


def bar_type_of(instrument_id: str, bar: str | None) -> str | None:
    """Full bar type string from ``--bar`` given as ``1-MINUTE-LAST-EXTERNAL`` or a full bar type."""
    if bar is None:
        return None
    return bar if bar.startswith(f"{instrument_id}-") else f"{instrument_id}-{bar}"


def build_node(
    cfg: PaperSessionConfig,
    loop: asyncio.AbstractEventLoop,
    log: EventLog | None = None,
    ids: IdMapper | None = None,
) -> tuple[TradingNode, LiveMarketDataClient, Recorder | None]:
    """The built TradingNode (our data client, Sandbox execution, the strategy), its data client and,
    given a ``log``, the Recorder tapping the bus into it (attached before the clients are built, so
    the venue's first ``AccountState`` is recorded)."""
    venue = InstrumentId.from_str(cfg.instrument_id).venue.value
    data_cfg = LiveMarketDataClientConfig(
        instrument_ids=(cfg.instrument_id,),
        venue=venue,
        base_url_http=cfg.exchange_url.rstrip("/"),
        base_url_ws=cfg.ws_url or ws_base(cfg.exchange_url),
        reconnect_initial_delay=cfg.reconnect_initial_delay,
        reconnect_max_delay=cfg.reconnect_max_delay,
    )
    exec_cfg = SandboxExecutionClientConfig(
        venue=venue,
        starting_balances=list(cfg.starting_balances),
        account_type=cfg.account_type,
        oms_type="NETTING",
        bar_execution=False,  # bars are stamped at close; fills come from recorded quotes and trades
        trade_execution=True,
    )
    node_cfg = TradingNodeConfig(
        trader_id="PAPER-001",
        data_clients={venue: data_cfg},
        exec_clients={venue: exec_cfg},
        logging=LoggingConfig(log_level=cfg.log_level, log_colors=False),
        timeout_connection=20.0,
        timeout_disconnection=5.0,
        timeout_post_stop=1.0,
    )
    node = TradingNode(config=node_cfg, loop=loop)
    created: list[LiveMarketDataClient] = []
    exec_clients: list[Any] = []

    class _Factory(LiveMarketDataClientFactory):
        @staticmethod
        def create(**kwargs: Any) -> LiveMarketDataClient:  # type: ignore[override]
            created.append(LiveMarketDataClientFactory.create(**kwargs))
            return created[-1]

    class _ExecFactory(WriteAheadSandboxFactory):
        @staticmethod
        def create(*args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            exec_clients.append(WriteAheadSandboxFactory.create(*args, **kwargs))
            return exec_clients[-1]

    # TradingNodeBuilder passes the portfolio only to a factory of this exact name
    _ExecFactory.__name__ = "SandboxLiveExecClientFactory"
    node.add_data_client_factory(venue, _Factory)
    node.add_exec_client_factory(venue, _ExecFactory)
    node.trader.add_actor(VenueFeed(InstrumentId.from_str(cfg.instrument_id)))
    node.trader.add_strategy(_strategy(cfg))
    recorder = _attach_recorder(node, log, ids) if log is not None else None
    node.build()
    if log is not None:  # write-ahead: no order command reaches the venue before its records are durable
        for client in exec_clients:
            client.gate = DurableGate(log, loop)
    return node, created[0], recorder


def _strategy(cfg: PaperSessionConfig) -> Strategy:
    """The strategy from the project registry; strategies with a ``bar_type`` need ``--bar``."""
    _, config_cls = resolve_strategy(cfg.strategy)
    bar_type = bar_type_of(cfg.instrument_id, cfg.bar)
    if bar_type is None and "bar_type" in config_cls.__struct_fields__ and "bar_type" not in cfg.params:
        raise LineageError(f"strategy {cfg.strategy!r} trades bars: give --bar (e.g. 1-MINUTE-LAST-EXTERNAL)")
    return build_strategy(
        cfg.strategy, dict(cfg.params), instrument_id=cfg.instrument_id, bar_type=bar_type or ""
    )


def _attach_recorder(node: TradingNode, log: EventLog, ids: IdMapper | None = None) -> Recorder:
    """Attach the bus recorder: every order, fill, position, account and Lineage event gets logged."""
    recorder = Recorder(log, ids=ids)
    node.trader.add_actor(recorder)
    return recorder


def _fill_record(fill: OrderFilled) -> dict[str, Any]:
    return {
        "id": str(fill.id),
        "client_order_id": str(fill.client_order_id),
        "side": fill.order_side.name,
        "price": str(fill.last_px),
        "qty": str(fill.last_qty),
        "commission": str(fill.commission),
        "ts_event": fill.ts_event,
    }


def _manifest(cfg: PaperSessionConfig) -> dict[str, Any]:
    return {
        "mode": "paper",
        "strategy": cfg.strategy,
        "params": dict(sorted(cfg.params.items())),
        "instrument_id": cfg.instrument_id,
        "bar": cfg.bar,
        "exchange_url": cfg.exchange_url,
        "duration": cfg.duration,
        "starting_balances": list(cfg.starting_balances),
        "code": code_version(),
        "libraries": library_versions(),
    }


def run_paper_session(cfg: PaperSessionConfig) -> PaperResult:
    """Run the session until ``duration`` elapses or SIGINT/SIGTERM arrives; returns its summary.

    The event log always ends with ``RunEnded`` (carrying ``error`` when the session failed).
    """
    resolve_strategy(cfg.strategy)  # fail before creating anything
    _preflight(cfg.exchange_url)
    cfg.run_dir.mkdir(parents=True, exist_ok=True)
    log_dir = cfg.run_dir / "log"
    state: SessionState | None = None
    if any(log_dir.glob("*.seg")):
        log, state = _reopen(cfg, log_dir)
        if state.balances:
            cfg = replace(cfg, starting_balances=state.starting_balances())
    else:
        log = EventLog.create(log_dir, durability=DURABILITY)
        log.append("RunStarted", _manifest(cfg))
    try:
        result = _run(cfg, log, state)
    except BaseException as exc:
        log.append("RunEnded", {"error": f"{type(exc).__name__}: {exc}"})
        log.close()
        raise
    summary = _summary(result)
    log.append("RunEnded", summary)
    log.close()
    write_json_atomic(
        cfg.run_dir / "session.json",
        {
            "manifest": _manifest(cfg),
            **summary,
            "chain_head": log.head,
            "fills": result.fills,
            "latencies_ns": [list(s) for s in result.latencies_ns],
        },
    )
    return result


def _reopen(cfg: PaperSessionConfig, log_dir: Path) -> tuple[EventLog, SessionState]:
    """Continue the run's log: verify it, rebuild the state, record the ``SessionResumed`` seam."""
    log = EventLog.open(log_dir, durability=DURABILITY)
    try:
        state = session_state(read_log(log_dir))
        check_same_session(state.manifest, _manifest(cfg), str(log_dir))
        log.append(
            SESSION_RESUMED,
            {
                "previous_head": log.head,
                "previous_records": log.count,
                "session": state.sessions + 1,
                "previous_ended_cleanly": state.ended_cleanly,
                "balances": dict(sorted(state.balances.items())),
                "positions": state.positions(),
                "abandoned_orders": state.open_orders,
                "closed_cycles": state.closed_cycles,
                "scars": len(state.scars),
                "last_ts": state.last_ts,
            },
        )
    except BaseException:
        log.close()
        raise
    return log, state


def _fetch_instrument(cfg: PaperSessionConfig):
    """The instrument as the data client will load it (needed before the node starts)."""
    iid = InstrumentId.from_str(cfg.instrument_id)
    url = f"{cfg.exchange_url.rstrip('/')}/api/v3/exchangeInfo?symbol={iid.symbol.value}"
    with urllib.request.urlopen(url, timeout=10) as resp:
        body = json.load(resp)
    cfg_defaults = LiveMarketDataClientConfig(instrument_ids=(cfg.instrument_id,), venue=iid.venue.value)
    return currency_pair_from_exchange_info(body, iid, cfg_defaults.maker_fee, cfg_defaults.taker_fee, 0)


def _preflight(url: str, timeout: float = 10.0) -> None:
    """Fail fast with a clear error when the exchange's REST API does not answer."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/api/v3/ping", timeout=timeout) as resp:
            resp.read()
    except (OSError, ValueError) as exc:
        raise LineageError(
            f"exchange {url}: /api/v3/ping failed ({exc}); is the URL right and the exchange up?"
        ) from exc


def _restore(node: TradingNode, cfg: PaperSessionConfig, state: SessionState) -> None:
    """Open positions back into the cache; the strategy's ``on_resume(state)`` hook, if any."""
    if state.open_fills:
        restore_positions(node.kernel.cache, _fetch_instrument(cfg), state)
    for strategy in node.trader.strategies():
        hook = getattr(strategy, "on_resume", None)
        if callable(hook):
            hook(state)


def _account_figures(node: TradingNode, cfg: PaperSessionConfig) -> tuple[dict[str, str], dict[str, str]]:
    """(final balances, net position per position id) as the node holds them (Decimal strings)."""
    account = node.kernel.portfolio.account(InstrumentId.from_str(cfg.instrument_id).venue)
    balances = {}
    if account is not None:
        for ccy, money in sorted(account.balances_total().items(), key=lambda kv: kv[0].code):
            balances[ccy.code] = str(money).rsplit(" ", 1)[0]
    positions = {}
    for p in node.kernel.cache.positions_open():
        positions[p.id.value] = str(p.signed_decimal_qty())
    return balances, positions


def _run(cfg: PaperSessionConfig, log: EventLog, state: SessionState | None = None) -> PaperResult:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    saved_sigint = signal.getsignal(signal.SIGINT)
    fills: dict[str, dict[str, Any]] = {}
    stopped_by = ["duration" if cfg.duration is not None else "signal"]
    node: TradingNode | None = None
    try:
        ids = IdMapper(start=state.max_canonical_id) if state is not None else None
        node, data_client, recorder = build_node(cfg, loop, log, ids)
        assert recorder is not None
        if state is not None:
            _restore(node, cfg, state)
        probe = LatencyProbe(lambda: data_client.last_message_ns)
        node.kernel.msgbus.subscribe(topic="events.order.*", handler=probe.handle)

        def on_gap(gap: FeedGap) -> None:
            node.kernel.msgbus.publish(FEED_GAP_TOPIC, gap)  # the recorder's "*" tap logs it

        data_client.add_gap_listener(on_gap)
        node.kernel.msgbus.subscribe(
            topic="events.fills.*",
            handler=lambda e: (
                fills.setdefault(str(e.id), _fill_record(e)) if isinstance(e, OrderFilled) else None
            ),
        )

        def stop(reason: str) -> None:
            stopped_by[0] = reason
            node.stop()

        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop, sig.name)  # replaces the kernel's own handler
        if cfg.duration is not None:
            loop.call_later(cfg.duration, stop, "duration")
        node.run()
        recorder.finish()
        balances, positions = _account_figures(node, cfg)
        result = PaperResult(
            cfg.run_dir,
            sorted(fills.values(), key=lambda f: (f["ts_event"], f["id"])),
            list(data_client.gaps),
            data_client.received,
            data_client.rejected,
            stopped_by[0],
            list(data_client.rejections),
            recorder.recorded,
            latencies_ns=list(probe.samples),
            latency=probe.summary(),
            final_balances=balances,
            positions=positions,
        )
    finally:
        if node is not None:
            node.dispose()
        with contextlib.suppress(Exception):
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
        if not loop.is_closed():
            loop.close()
        asyncio.set_event_loop(None)
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, saved_sigint)
    return result


def _summary(result: PaperResult) -> dict[str, Any]:
    return {
        "fill_count": len(result.fills),
        "events_recorded": result.events_recorded,
        "feed_gaps": len(result.gaps),
        "messages_received": result.messages_received,
        "messages_rejected": result.messages_rejected,
        "stopped_by": result.stopped_by,
        "rejections": result.rejections,
        "final_balances": result.final_balances,
        "positions": result.positions,
        "latency": result.latency,
    }


__all__ = ["PaperResult", "PaperSessionConfig", "VenueFeed", "build_node", "run_paper_session"]
