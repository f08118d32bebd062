"""Compare what the log rebuilt with the run's own figures (``metrics.json``), exactly."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.audit.rebuild import Rebuilt


@dataclass(frozen=True)
class Mismatch:
    """One figure that differs: what the log says and what the engine said."""

    field: str
    log: Any
    engine: Any


def _cmp_money(out: list[Mismatch], name: str, log: dict[str, Decimal], engine: dict[str, str]) -> None:
    eng = {k: Decimal(v) for k, v in engine.items()}
    for ccy in sorted(set(log) | set(eng)):
        a, b = log.get(ccy, Decimal(0)), eng.get(ccy, Decimal(0))
        if a != b:
            out.append(Mismatch(f"{name}.{ccy}", str(a), str(b)))


def reconcile(rebuilt: Rebuilt, figures: dict[str, Any]) -> list[Mismatch]:
    """Every difference between the rebuilt figures and the engine's own."""
    out: list[Mismatch] = []
    _cmp_money(out, "final_balances(account states)", rebuilt.balances_from_states, figures["final_balances"])
    _cmp_money(out, "commissions", rebuilt.commissions, figures["commissions"])
    realized: dict[str, Decimal] = {}
    for c in rebuilt.cycles:
        realized[c.currency] = realized.get(c.currency, Decimal(0)) + c.realized_pnl
    _cmp_money(out, "realized_pnl", realized, figures["realized_pnl"])
    if len(rebuilt.orders) != figures["orders"]:
        out.append(Mismatch("orders", len(rebuilt.orders), figures["orders"]))
    if rebuilt.fills != figures["fills"]:
        out.append(Mismatch("fills", rebuilt.fills, figures["fills"]))
    _cmp_positions(out, rebuilt, figures["positions"])
    _cmp_equity(out, rebuilt, figures["equity_curve"])
    out += [Mismatch(name, mine, theirs) for name, mine, theirs in rebuilt.event_mismatches]
    out += [Mismatch(name, mine, theirs) for name, mine, theirs in rebuilt.account_mismatches]
    if rebuilt.account_type == "MARGIN":
        replayed = rebuilt.balances_from_fills
        _cmp_money(out, "final balances replayed from fills", replayed, figures["final_balances"])
    return out


def fill_warnings(rebuilt: Rebuilt, figures: dict[str, Any]) -> list[str]:
    """Where balances replayed from the fills of a CASH account disagree with the engine's account
    states (a MARGIN account's replay is exact: its differences are mismatches, not warnings).

    Not a log defect: NautilusTrader's CASH account does not debit a base currency it does not
    hold (a spot sell without inventory), so such runs' fills and balances part ways.
    """
    if rebuilt.account_type == "MARGIN":
        return list(rebuilt.notes)
    out = list(rebuilt.fill_state_mismatches[:3])
    diffs: list[Mismatch] = []
    _cmp_money(
        diffs, "final balances replayed from fills", rebuilt.balances_from_fills, figures["final_balances"]
    )
    out += [f"{m.field}: fills={m.log} engine={m.engine}" for m in diffs]
    if rebuilt.fill_state_mismatches:
        out.append(
            f"{len(rebuilt.fill_state_mismatches)} account states differ from the fills replayed so far"
        )
    return out


def _cmp_positions(out: list[Mismatch], rebuilt: Rebuilt, rows: list[dict[str, Any]]) -> None:
    engine = {(r["position_id"], r["opening_order_id"]): r for r in rows}
    logged = {(c.position_id, c.opening_order_id): c for c in rebuilt.cycles}
    for key in sorted(set(engine) - set(logged)):
        out.append(Mismatch(f"position {key[0]} opened by {key[1]}", None, "in engine only"))
    for key in sorted(set(logged) - set(engine)):
        out.append(Mismatch(f"position {key[0]} opened by {key[1]}", "in log only", None))
    for key in sorted(set(engine) & set(logged)):
        row, cyc = engine[key], logged[key]
        name = f"position {key[0]} opened by {key[1]}"
        pairs = [
            ("realized_pnl", cyc.realized_pnl, Decimal(row["realized_pnl"])),
            ("peak_qty", cyc.peak_qty, Decimal(row["peak_qty"])),
            ("quantity", abs(cyc.signed_qty), Decimal(row["quantity"])),
            ("closing_order_id", cyc.closing_order_id, row["closing_order_id"]),
            ("ts_closed", cyc.ts_closed, row["ts_closed"]),
            ("fills", cyc.fills, row["fills"]),
        ]
        logged_pnl = rebuilt.position_events.get(key)
        if logged_pnl is not None:
            pairs.append(("realized_pnl(PositionClosed event)", cyc.realized_pnl, Decimal(logged_pnl)))
        for field_name, a, b in pairs:
            if a != b:
                out.append(Mismatch(f"{name}.{field_name}", str(a), str(b)))


def _cmp_equity(out: list[Mismatch], rebuilt: Rebuilt, curve: dict[str, list[Any]]) -> None:
    ts, eq = curve["ts"], [Decimal(e) for e in curve["equity"]]
    if len(ts) != len(rebuilt.equity_ts) or ts != rebuilt.equity_ts:
        out.append(Mismatch("equity_curve.bars", len(rebuilt.equity_ts), len(ts)))
        return
    bad = [i for i, (a, b) in enumerate(zip(rebuilt.equity, eq, strict=True)) if a != b]
    if bad:
        i = bad[0]
        out.append(
            Mismatch(
                f"equity_curve[{i}] at ts {ts[i]} ({len(bad)} bars differ)",
                str(rebuilt.equity[i]),
                str(eq[i]),
            )
        )
