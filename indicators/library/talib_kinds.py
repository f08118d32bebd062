"""Feature kinds over TA-Lib: overlap, momentum, volatility, volume, cycle, price, statistic, returns.

Price-level outputs are expressed relative to the close (``close / x - 1`` or ``x / close``) so the
features are scale-free. Most kinds are split into a TA-Lib ``core`` (run over the anchored rows)
and an elementwise ``post`` step (run once per row), which keeps both modes cheap. ``settle`` is the
extra history a recursive kind needs (on top of its TA-Lib lookback) before its value no longer
depends on where the history started; the tests check it with ``indicators.warmup_analysis``.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
from talib import abstract

from indicators.bars import Bars
from indicators.library.registry import Kind, Param, register_kind
from indicators.library.steppers import HANDLES, both, mapped, obv_change, ta
from indicators.library.ta import raw as talib


@cache
def _ta_lookback(func: str, params: tuple[tuple[str, float], ...] = ()) -> int:
    return int(abstract.Function(func, **dict(params)).lookback)


def lb(func: str, **params: float) -> int:
    """TA-Lib's own lookback (rows before the first output) for ``func`` with ``params``."""
    return _ta_lookback(func, tuple(sorted(params.items())))


def div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a / b`` with NaN where the result is not finite (callers run under ``np.errstate``)."""
    out = np.asarray(a, dtype=np.float64) / b
    out[~np.isfinite(out)] = np.nan
    return out


def ratio(close: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``close / x - 1`` with NaN where ``x`` is zero."""
    return div(close, x) - 1.0


def ema_settle(p: int) -> int:
    """Bars for an EMA(p) start-up error to decay by about 1e-8."""
    return math.ceil(9.2 * (p + 1))


def wilder_settle(p: int) -> int:
    """Bars for a Wilder-smoothed (alpha = 1/p) start-up error to decay by about 1e-8."""
    return math.ceil(18.4 * p)


PERIOD = Param("period", int, 2)
C, V, HL, HLC = ("close",), ("volume",), ("high", "low"), ("high", "low", "close")  # stepper inputs
HLCV = (*HLC, "volume")
SLOW = Param("slow", int, 2)


def close_ratio(b: Bars, x: np.ndarray, *params) -> np.ndarray:
    """post step: close / x - 1."""
    return ratio(b.close, x)


def per_close(b: Bars, x: np.ndarray, *params) -> np.ndarray:
    """post step: x / close."""
    return div(x, b.close)


def _add(
    name,
    group,
    params,
    core,
    lookback,
    settle=None,
    post=None,
    mode="anchored",
    heavy=False,
    doc="",
    output=None,
    min_block=None,
    family=None,
    stepper=None,
):
    """Register a library kind; library ``post`` steps never read their parameters (``post_params=False``)."""
    register_kind(
        Kind(
            name=name,
            group=group,
            params=params,
            core=core,
            post=post,
            lookback=lookback,
            settle=settle or (lambda *p: 0),
            mode=mode,
            heavy=heavy,
            doc=doc,
            output=output,
            post_params=False,
            min_block=min_block,
            family=family,
            stepper=stepper,
        )
    )


def _ma(name: str, func: str, settle=None, extra: tuple = (), **lbkw) -> None:
    fn = getattr(talib, func)
    _add(
        name,
        "overlap",
        (PERIOD,),
        lambda b, p: fn(b.close, p, *extra),
        lambda p: lb(func, timeperiod=p, **lbkw),
        settle,
        close_ratio,
        doc=f"close / {func}(period) - 1",
        stepper=ta(func, C, (lambda p: (p, *extra)) if extra else None),
    )


# ---- overlap studies: close relative to a moving average / band ---------------------------------
_ma("sma", "SMA")
_ma("ema", "EMA", ema_settle)
_ma("wma", "WMA")
_ma("dema", "DEMA", lambda p: math.ceil(12 * (p + 1)))
_ma("tema", "TEMA", lambda p: math.ceil(14 * (p + 1)))
_ma("trima", "TRIMA")
_ma("kama", "KAMA", lambda p: 40 * p)
_ma("t3", "T3", lambda p: math.ceil(16 * (p + 1)), (0.7,), vfactor=0.7)
_add(
    "midpoint",
    "overlap",
    (PERIOD,),
    lambda b, p: talib.MIDPOINT(b.close, p),
    lambda p: lb("MIDPOINT", timeperiod=p),
    post=close_ratio,
    mode="pointwise",
    doc="close / MIDPOINT - 1",
    stepper=ta("MIDPOINT", C),
)
_add(
    "midprice",
    "overlap",
    (PERIOD,),
    lambda b, p: talib.MIDPRICE(b.high, b.low, p),
    lambda p: lb("MIDPRICE", timeperiod=p),
    post=close_ratio,
    mode="pointwise",
    doc="close / MIDPRICE - 1",
    stepper=ta("MIDPRICE", HL),
)
_FLOAT = Param("acceleration", float, 0.0), Param("maximum", float, 0.0)
_add(
    "sar",
    "overlap",
    _FLOAT,
    lambda b, a, m: talib.SAR(b.high, b.low, a, m),
    lambda a, m: lb("SAR", acceleration=a, maximum=m),
    lambda a, m: 400,
    close_ratio,
    doc="close / SAR - 1",
    stepper=ta("SAR", HL),
)
_LIMITS = Param("fast", float, 0.01), Param("slow", float, 0.01)


def _mama(b: Bars, f: float, s: float) -> tuple[np.ndarray, np.ndarray]:
    return talib.MAMA(b.close, f, s)


for _i, _n in enumerate(("mama", "fama")):
    _add(
        _n,
        "overlap",
        _LIMITS,
        _mama,
        lambda f, s: lb("MAMA", fastlimit=f, slowlimit=s),
        lambda f, s: 400,
        close_ratio,
        heavy=True,
        doc=f"close / {_n.upper()}(fast limit, slow limit) - 1",
        output=_i,
        family="mama",
        stepper=ta("MAMA", C),
    )
_add(
    "httrendline",
    "overlap",
    (),
    lambda b: talib.HT_TRENDLINE(b.close),
    lambda: lb("HT_TRENDLINE"),
    lambda: 400,
    close_ratio,
    heavy=True,
    doc="close / Hilbert instantaneous trendline - 1",
    stepper=ta("HT_TRENDLINE", C),
)
_NBDEV = Param("nbdev", float, 0.0)


def _bbands(b: Bars, p: int, k: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return talib.BBANDS(b.close, p, k, k, 0)


_add(
    "bbpctb",
    "overlap",
    (PERIOD, _NBDEV),
    _bbands,
    lambda p, k: lb("BBANDS", timeperiod=p),
    family="bbands",
    post=lambda b, u, m, lo, p, k: div(b.close - lo, u - lo),
    doc="Bollinger %B",
    stepper=ta("BBANDS", C, lambda p, k: (p, k, k, 0)),
)
_add(
    "bbwidth",
    "overlap",
    (PERIOD, _NBDEV),
    _bbands,
    lambda p, k: lb("BBANDS", timeperiod=p),
    family="bbands",
    post=lambda b, u, m, lo, p, k: div(u - lo, m),
    doc="Bollinger band width / middle band",
    stepper=ta("BBANDS", C, lambda p, k: (p, k, k, 0)),
)


# ---- momentum ------------------------------------------------------------------------------------
def _hlc(name: str, func: str, settle=None, doc: str = "", mode: str = "anchored", min_block=None) -> None:
    fn = getattr(talib, func)
    _add(
        name,
        "momentum",
        (PERIOD,),
        lambda b, p: fn(b.high, b.low, b.close, p),
        lambda p: lb(func, timeperiod=p),
        settle,
        mode=mode,
        doc=doc,
        min_block=min_block,
        stepper=ta(func, HLC),
    )


_add(
    "rsi",
    "momentum",
    (PERIOD,),
    lambda b, p: talib.RSI(b.close, p),
    lambda p: lb("RSI", timeperiod=p),
    wilder_settle,
    doc="RSI(period)",
    stepper=ta("RSI", C),
)
_add(
    "cmo",
    "momentum",
    (PERIOD,),
    lambda b, p: talib.CMO(b.close, p),
    lambda p: lb("CMO", timeperiod=p),
    wilder_settle,
    doc="Chande momentum oscillator",
    stepper=ta("CMO", C),
)
_hlc("cci", "CCI", doc="commodity channel index", min_block=1024)
_hlc("willr", "WILLR", doc="Williams %R", mode="pointwise")
_hlc("adx", "ADX", lambda p: math.ceil(1.4 * wilder_settle(p)), "average directional index")
_hlc("adxr", "ADXR", lambda p: math.ceil(1.4 * wilder_settle(p)), "ADX rating")
_hlc("dx", "DX", wilder_settle, "directional movement index")
_hlc("plusdi", "PLUS_DI", wilder_settle, "+DI")
_hlc("minusdi", "MINUS_DI", wilder_settle, "-DI")
_add(
    "mfi",
    "momentum",
    (PERIOD,),
    lambda b, p: talib.MFI(b.high, b.low, b.close, b.volume, p),
    lambda p: lb("MFI", timeperiod=p),
    doc="money flow index",
    stepper=ta("MFI", HLCV),
)
_add(
    "apo",
    "momentum",
    (PERIOD, SLOW),
    lambda b, f, s: talib.APO(b.close, f, s, 0),
    lambda f, s: lb("APO", fastperiod=f, slowperiod=s),
    post=per_close,
    doc="APO (SMA) / close",
    stepper=ta("APO", C, lambda f, s: (f, s, 0)),
)
_add(
    "ppo",
    "momentum",
    (PERIOD, SLOW),
    lambda b, f, s: talib.PPO(b.close, f, s, 0),
    lambda f, s: lb("PPO", fastperiod=f, slowperiod=s),
    doc="percentage price oscillator (SMA)",
    stepper=ta("PPO", C, lambda f, s: (f, s, 0)),
)


def _macd(b: Bars, f: int, s: int, g: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return talib.MACD(b.close, f, s, g)


for _i, _n in enumerate(("macd", "macdsignal", "macdhist")):
    _add(
        _n,
        "momentum",
        (PERIOD, SLOW, Param("signal", int, 1)),
        _macd,
        lambda f, s, g: lb("MACD", fastperiod=f, slowperiod=s, signalperiod=g),
        lambda f, s, g: ema_settle(s) + ema_settle(g),
        per_close,
        doc=f"MACD {_n} / close",
        output=_i,
        family="macd",
        stepper=ta("MACD", C),
    )
_KD = PERIOD, Param("slowk", int, 1), Param("slowd", int, 1)


def _stoch(b: Bars, f: int, k: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    return talib.STOCH(b.high, b.low, b.close, f, k, 0, d, 0)


for _i, _n in enumerate(("stochk", "stochd")):
    _add(
        _n,
        "momentum",
        _KD,
        _stoch,
        lambda f, k, d: lb("STOCH", fastk_period=f, slowk_period=k, slowd_period=d),
        doc=f"slow stochastic %{_n[-1].upper()}",
        output=_i,
        family="stoch",
        stepper=ta("STOCH", HLC, lambda f, k, d: (f, k, 0, d, 0)),
    )
_add(
    "stochfk",
    "momentum",
    (PERIOD,),
    lambda b, f: talib.STOCHF(b.high, b.low, b.close, f, 3, 0)[0],
    lambda f: lb("STOCHF", fastk_period=f, fastd_period=3),
    doc="fast stochastic %K",
    stepper=ta("STOCHF", HLC, lambda f: (f, 3, 0), pick=0),
)
_add(
    "stochrsi",
    "momentum",
    (PERIOD, Param("fastk", int, 1), Param("fastd", int, 1)),
    lambda b, p, k, d: talib.STOCHRSI(b.close, p, k, d, 0)[0],
    lambda p, k, d: lb("STOCHRSI", timeperiod=p, fastk_period=k, fastd_period=d),
    lambda p, k, d: math.ceil(1.4 * wilder_settle(p)),
    doc="stochastic RSI %K",
    stepper=ta("STOCHRSI", C, lambda p, k, d: (p, k, d, 0), pick=0),
)
_add(
    "ultosc",
    "momentum",
    (PERIOD, Param("mid", int, 2), SLOW),
    lambda b, p1, p2, p3: talib.ULTOSC(b.high, b.low, b.close, p1, p2, p3),
    lambda p1, p2, p3: lb("ULTOSC", timeperiod1=p1, timeperiod2=p2, timeperiod3=p3),
    doc="ultimate oscillator",
    stepper=ta("ULTOSC", HLC),
)
_add(
    "aroonosc",
    "momentum",
    (PERIOD,),
    lambda b, p: talib.AROONOSC(b.high, b.low, p),
    lambda p: lb("AROONOSC", timeperiod=p),
    mode="pointwise",
    doc="Aroon oscillator",
    stepper=ta("AROONOSC", HL),
)


def _aroon(b: Bars, p: int) -> tuple[np.ndarray, np.ndarray]:
    return talib.AROON(b.high, b.low, p)


for _i, _n in enumerate(("aroondown", "aroonup")):
    _add(
        _n,
        "momentum",
        (PERIOD,),
        _aroon,
        lambda p: lb("AROON", timeperiod=p),
        mode="pointwise",
        doc=f"Aroon {_n[5:]}",
        output=_i,
        stepper=ta("AROON", HL),
    )
_add(
    "bop",
    "momentum",
    (),
    lambda b: talib.BOP(b.open, b.high, b.low, b.close),
    lambda: lb("BOP"),
    mode="pointwise",
    doc="balance of power",
    stepper=ta("BOP", ("open", *HLC)),
)
_add(
    "trix",
    "momentum",
    (PERIOD,),
    lambda b, p: talib.TRIX(b.close, p),
    lambda p: lb("TRIX", timeperiod=p),
    lambda p: math.ceil(20 * (p + 1)),
    doc="TRIX: 1-bar ROC of a triple EMA",
    stepper=ta("TRIX", C),
)
_add(
    "roc",
    "momentum",
    (PERIOD,),
    lambda b, p: talib.ROC(b.close, p) / 100.0,
    lambda p: lb("ROC", timeperiod=p),
    mode="pointwise",
    doc="simple return over period bars (ROC / 100)",
    stepper=mapped(ta("ROC", C), lambda x: x / 100.0),
)

# ---- returns and rolling z-scores ----------------------------------------------------------------
_H = (Param("horizon", int, 1),)
_add(
    "ret",
    "returns",
    _H,
    lambda b, k: talib.ROCR(b.close, k) - 1.0,
    lambda k: lb("ROCR", timeperiod=k),
    mode="pointwise",
    doc="close[t] / close[t-h] - 1",
    stepper=mapped(ta("ROCR", C), lambda x: x - 1.0),
)
_add(
    "logret",
    "returns",
    _H,
    lambda b, k: np.log(talib.ROCR(b.close, k)),
    lambda k: lb("ROCR", timeperiod=k),
    mode="pointwise",
    doc="log(close[t] / close[t-h])",
    stepper=mapped(ta("ROCR", C), np.log),
)
_add(
    "zscore",
    "statistic",
    (PERIOD,),
    lambda b, p: (talib.SMA(b.close, p), talib.STDDEV(b.close, p, 1.0)),
    lambda p: lb("STDDEV", timeperiod=p),
    post=lambda b, m, s, p: div(b.close - m, s),
    doc="(close - SMA) / population std over period",
    stepper=both(ta("SMA", C), ta("STDDEV", C, lambda p: (p, 1.0))),
)
_add(
    "volz",
    "volume",
    (PERIOD,),
    lambda b, p: (talib.SMA(b.volume, p), talib.STDDEV(b.volume, p, 1.0)),
    lambda p: lb("STDDEV", timeperiod=p),
    post=lambda b, m, s, p: div(b.volume - m, s),
    doc="volume z-score over period",
    stepper=both(ta("SMA", V), ta("STDDEV", V, lambda p: (p, 1.0))),
)
_add(
    "volratio",
    "volume",
    (PERIOD,),
    lambda b, p: talib.SMA(b.volume, p),
    lambda p: lb("SMA", timeperiod=p),
    post=lambda b, m, p: div(b.volume, m),
    doc="volume / SMA(volume, period)",
    stepper=ta("SMA", V),
)

# ---- volatility ----------------------------------------------------------------------------------
_add(
    "natr",
    "volatility",
    (PERIOD,),
    lambda b, p: talib.NATR(b.high, b.low, b.close, p),
    lambda p: lb("NATR", timeperiod=p),
    wilder_settle,
    doc="normalised ATR (percent of close)",
    stepper=ta("NATR", HLC),
)
_add(
    "trange",
    "volatility",
    (),
    lambda b: talib.TRANGE(b.high, b.low, b.close),
    lambda: lb("TRANGE"),
    post=per_close,
    mode="pointwise",
    doc="true range / close",
    stepper=ta("TRANGE", HLC),
)
_add(
    "stddev",
    "volatility",
    (PERIOD,),
    lambda b, p: talib.STDDEV(b.close, p, 1.0),
    lambda p: lb("STDDEV", timeperiod=p),
    post=per_close,
    doc="population std of close over period / close",
    stepper=ta("STDDEV", C, lambda p: (p, 1.0)),
)


# ---- volume --------------------------------------------------------------------------------------
def _obv_change(b: Bars, p: int) -> tuple[np.ndarray, np.ndarray]:
    obv = talib.OBV(b.close, b.volume)
    change = np.full_like(obv, np.nan)
    change[p:] = obv[p:] - obv[:-p]
    return change, talib.SUM(b.volume, p)


_add(
    "obvslope",
    "volume",
    (PERIOD,),
    _obv_change,
    lambda p: p,
    post=lambda b, c, s, p: div(c, s),
    min_block=1024,
    doc="OBV change over period / volume over period",
    stepper=both(obv_change if HANDLES else None, ta("SUM", V)),
)
_add(
    "adosc",
    "volume",
    (PERIOD, SLOW),
    lambda b, f, s: (talib.ADOSC(b.high, b.low, b.close, b.volume, f, s), talib.SMA(b.volume, s)),
    lambda f, s: max(lb("ADOSC", fastperiod=f, slowperiod=s), s - 1),
    lambda f, s: ema_settle(s),
    post=lambda b, a, m, f, s: div(a, m),
    doc="Chaikin A/D oscillator / SMA(volume, slow)",
    stepper=both(ta("ADOSC", HLCV), ta("SMA", V, lambda f, s: (s,))),
)

# ---- cycle (Hilbert transform) -------------------------------------------------------------------
_HT = {"heavy": True, "settle": lambda: 400}


def _phasor(b: Bars) -> tuple[np.ndarray, np.ndarray]:
    return talib.HT_PHASOR(b.close)


_add(
    "htdcperiod",
    "cycle",
    (),
    lambda b: talib.HT_DCPERIOD(b.close),
    lambda: lb("HT_DCPERIOD"),
    **_HT,
    doc="dominant cycle period",
    stepper=ta("HT_DCPERIOD", C),
)
_add(
    "htinphase",
    "cycle",
    (),
    _phasor,
    lambda: lb("HT_PHASOR"),
    **_HT,
    post=per_close,
    doc="phasor in-phase component / close",
    output=0,
    family="htphasor",
    stepper=ta("HT_PHASOR", C),
)
_add(
    "htquadrature",
    "cycle",
    (),
    _phasor,
    lambda: lb("HT_PHASOR"),
    **_HT,
    post=per_close,
    doc="phasor quadrature component / close",
    output=1,
    family="htphasor",
    stepper=ta("HT_PHASOR", C),
)
_add(
    "htsine",
    "cycle",
    (),
    lambda b: talib.HT_SINE(b.close)[0],
    lambda: lb("HT_SINE"),
    **_HT,
    doc="sine of the dominant cycle phase",
    stepper=ta("HT_SINE", C, pick=0),
)

# ---- price transforms ----------------------------------------------------------------------------
for _n, _f, _in in (
    ("avgprice", lambda b: talib.AVGPRICE(b.open, b.high, b.low, b.close), ("open", *HLC)),
    ("medprice", lambda b: talib.MEDPRICE(b.high, b.low), HL),
    ("typprice", lambda b: talib.TYPPRICE(b.high, b.low, b.close), HLC),
    ("wclprice", lambda b: talib.WCLPRICE(b.high, b.low, b.close), HLC),
):
    _add(
        _n,
        "price",
        (),
        _f,
        lambda: 0,
        post=close_ratio,
        mode="pointwise",
        doc=f"close / {_n.upper()} - 1",
        stepper=ta(_n.upper(), _in),
    )

# ---- statistic -----------------------------------------------------------------------------------
_add(
    "linregslope",
    "statistic",
    (PERIOD,),
    lambda b, p: talib.LINEARREG_SLOPE(b.close, p),
    lambda p: lb("LINEARREG_SLOPE", timeperiod=p),
    post=per_close,
    doc="linear-regression slope / close",
    stepper=ta("LINEARREG_SLOPE", C),
)
_add(
    "linregangle",
    "statistic",
    (PERIOD,),
    lambda b, p: talib.LINEARREG_ANGLE(b.close, p),
    lambda p: lb("LINEARREG_ANGLE", timeperiod=p),
    doc="linear-regression angle (degrees, price units)",
    stepper=ta("LINEARREG_ANGLE", C),
)
_add(
    "linreg",
    "statistic",
    (PERIOD,),
    lambda b, p: talib.LINEARREG(b.close, p),
    lambda p: lb("LINEARREG", timeperiod=p),
    post=close_ratio,
    doc="close / linear-regression value - 1",
    stepper=ta("LINEARREG", C),
)
_add(
    "tsf",
    "statistic",
    (PERIOD,),
    lambda b, p: talib.TSF(b.close, p),
    lambda p: lb("TSF", timeperiod=p),
    post=close_ratio,
    doc="close / time-series forecast - 1",
    stepper=ta("TSF", C),
)
_add(
    "correlhl",
    "statistic",
    (PERIOD,),
    lambda b, p: talib.CORREL(b.high, b.low, p),
    lambda p: lb("CORREL", timeperiod=p),
    doc="correlation of high and low over period",
    stepper=ta("CORREL", HL),
)
_add(
    "correlcv",
    "statistic",
    (PERIOD,),
    lambda b, p: talib.CORREL(b.close, b.volume, p),
    lambda p: lb("CORREL", timeperiod=p),
    doc="correlation of close and volume over period",
    stepper=ta("CORREL", ("close", "volume")),
)
_add(
    "beta",
    "statistic",
    (PERIOD,),
    lambda b, p: talib.BETA(b.high, b.low, p),
    lambda p: lb("BETA", timeperiod=p),
    doc="beta of high vs low returns over period",
    stepper=ta("BETA", HL),
)
