"""Tutorial: audit a recorded run, forge a copy of its log, watch the audit name the forged record.

Run from the repo root:  python runs/tutorial_audit.py [OUT_DIR]     (default OUT_DIR: runs/tutorial-audit)

Steps, each printed as it happens:

1. a recorded ``ema-cross`` backtest on the sample catalog's ETH/BTC 5-minute bars;
2. ``audit_run``: verify the hash chain, rebuild orders, fills, positions, balances and the equity
   curve from the log alone and reconcile them exactly with the engine's figures -> ``audit: OK``;
3. copy the run and forge the copy: the first fill's price is edited in place and the frame's CRC
   is recomputed, as a careful forger would -> ``tampered copy: FAILED ... first bad record N``;
4. ``audit_run(..., reexecute=True)`` on the original: rerun its manifest from the catalog and
   compare chain heads -> ``re-executed: chain head ... (same)``.

Exits 0 when the original passes, the forgery is caught and the re-execution matches.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a clone without installing

from engine.audit import audit_run
from engine.backtest import run_backtest
from engine.catalog import sample_catalog
from engine.eventlog import read_log
from engine.eventlog.framing import encode_frame, iter_frames

SEGMENT = "000000.seg"  # the first segment of the log (records 0..k-1)


def forge_first_fill(run_dir: Path) -> int:
    """Change the first ``OrderFilled`` record's price in ``run_dir/events`` (same length, valid CRC);
    return that record's sequence number."""
    seq = next(r.seq for r in read_log(run_dir / "events") if r.kind == "OrderFilled")
    path = run_dir / "events" / SEGMENT
    data = path.read_bytes()
    frame = list(iter_frames(data))[seq]
    price = frame.record.split(b'"last_px":"', 1)[1].split(b'"', 1)[0]
    forged_price = price[:-1] + (b"1" if price[-1:] != b"1" else b"2")  # one digit, same length
    record = frame.record.replace(b'"last_px":"' + price, b'"last_px":"' + forged_price, 1)
    forged = encode_frame(frame.chain, record)  # a fresh, valid CRC; the stored chain hash kept
    path.write_bytes(data[: frame.offset] + forged + data[frame.end :])
    print(f"forged record {seq} (OrderFilled): last_px {price.decode()} -> {forged_price.decode()}")
    return seq


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("runs") / "tutorial-audit"
    run = run_backtest(
        catalog=sample_catalog(),
        instrument_id="ETHBTC.SIM",
        bar="5-MINUTE",
        strategy="ema-cross",
        params={"fast": "10", "slow": "30"},
        balances=("10 BTC",),
        seed=1,
        start="2018-01-25",
        warmup_bars=30,
        out=out,
    )
    print(f"run: {run.run_dir}\nchain head: {run.head}")

    report = audit_run(run.run_dir)
    c = report.checked
    print(
        f"audit: {'OK' if report.ok else 'FAILED'} ({report.records} records; rebuilt {c['orders']} orders, "
        f"{c['fills']} fills, {c['positions']} positions; final equity {c['final_equity']})"
    )

    copy = out / "tampered-copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(run.run_dir, copy)
    forged_seq = forge_first_fill(copy)
    tampered = audit_run(copy)
    print(
        f"tampered copy: {'OK' if tampered.ok else 'FAILED'}: first bad record {tampered.first_bad_record}: "
        f"{tampered.chain_error}"
    )

    again = audit_run(run.run_dir, reexecute=True)
    same = "same" if again.reexecuted_head == run.head else "DIFFERENT"
    print(f"re-executed: chain head {again.reexecuted_head} ({same})")
    caught = not tampered.ok and tampered.first_bad_record == forged_seq
    return 0 if report.ok and caught and again.ok and same == "same" else 1


if __name__ == "__main__":
    sys.exit(main())
