"""Generate edge.jsonl: edge cases that stats.jsonl does not cover.

Run with the reference implementation, the same as stats.jsonl's:
scipy 1.10.1 + numpy 1.24.2 (Debian bookworm `/usr/bin/python3`,
package python3-scipy):

    /usr/bin/python3 stats/testdata/gen_edge.py > stats/testdata/edge.jsonl

The output has the schema of the shared reference vectors' stats.jsonl
(see README.md here), so the same Go test harness reads both. Every
number comes from scipy; nothing here comes from the Go package. Deterministic: fixed seeds, no clock.
"""
import json
import math
import warnings

import numpy as np
import scipy
from scipy import stats

assert scipy.__version__ == "1.10.1", scipy.__version__
assert np.__version__ == "1.24.2", np.__version__

NAN = float("nan")
cases = []


def enc(v):
    if isinstance(v, (list, tuple)):
        return [enc(u) for u in v]
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return v
    return v


def add(function, description, call, inputs, options, fn):
    out, err = None, None
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        try:
            out = fn()
        except Exception as e:  # scipy raised: the case expects an error
            err = {"type": type(e).__name__, "message": str(e)}
    msgs = sorted({f"{w.category.__name__}: {w.message}" for w in ws})
    cases.append({
        "id": f"edge-{len(cases) + 1:04d}",
        "function": function,
        "description": description,
        "call": call,
        "inputs": {k: enc(v) for k, v in inputs.items()},
        "options": options,
        "outputs": None if out is None else {k: enc(v) for k, v in out.items()},
        "error": err,
        "warnings": msgs,
    })


def ttest_rel(x, y, desc, **kw):
    def f():
        r = stats.ttest_rel(x, y, **kw)
        ci = r.confidence_interval(0.95)
        return {"statistic": r.statistic, "pvalue": r.pvalue, "df": r.df,
                "confidence_interval_95": {"low": enc(ci.low), "high": enc(ci.high)}}
    add("ttest_rel", desc, f"scipy.stats.ttest_rel(x, y, **{kw})", {"x": x, "y": y}, kw, f)


def ttest_ind(x, y, desc, **kw):
    def f():
        r = stats.ttest_ind(x, y, **kw)
        # df as README.md describes; NaN when scipy returns NaN early.
        n1, n2 = len(x), len(y)
        if n1 == 0 or n2 == 0:
            df = NAN
        elif kw.get("equal_var", True):
            df = n1 + n2 - 2.0
        else:
            with np.errstate(all="ignore"):
                v1, v2 = np.var(x, ddof=1), np.var(y, ddof=1)
                vn1, vn2 = v1 / n1, v2 / n2
                df = (vn1 + vn2) ** 2 / (vn1 ** 2 / (n1 - 1) + vn2 ** 2 / (n2 - 1))
            df = 1.0 if np.isnan(df) else df
        return {"statistic": r.statistic, "pvalue": r.pvalue, "df": df}
    add("ttest_ind", desc, f"scipy.stats.ttest_ind(x, y, **{kw})", {"x": x, "y": y}, kw, f)


def wilcoxon(x, y, desc, **kw):
    def f():
        r = stats.wilcoxon(x, y, **kw)
        o = {"statistic": r.statistic, "pvalue": r.pvalue}
        if kw.get("method") == "approx":
            o["zstatistic"] = r.zstatistic
        return o
    add("wilcoxon", desc, f"scipy.stats.wilcoxon(x, y, **{kw})", {"x": x, "y": y}, kw, f)


def mwu(x, y, desc, **kw):
    def f():
        r = stats.mannwhitneyu(x, y, **kw)
        return {"statistic": r.statistic, "pvalue": r.pvalue}
    add("mannwhitneyu", desc, f"scipy.stats.mannwhitneyu(x, y, **{kw})", {"x": x, "y": y}, kw, f)


def ks(x, y, desc, **kw):
    def f():
        r = stats.ks_2samp(x, y, **kw)
        return {"statistic": r.statistic, "pvalue": r.pvalue,
                "statistic_location": r.statistic_location, "statistic_sign": int(r.statistic_sign)}
    add("ks_2samp", desc, f"scipy.stats.ks_2samp(x, y, **{kw})", {"x": x, "y": y}, kw, f)


def spearman(x, y, desc):
    def f():
        r = stats.spearmanr(x, y)
        return {"statistic": r.statistic, "pvalue": r.pvalue}
    add("spearmanr", desc, "scipy.stats.spearmanr(x, y)", {"x": x, "y": y}, {}, f)


def pearson(x, y, desc):
    def f():
        r = stats.pearsonr(x, y)
        ci = r.confidence_interval(0.95)
        return {"statistic": r.statistic, "pvalue": r.pvalue,
                "confidence_interval_95": {"low": enc(ci.low), "high": enc(ci.high)}}
    add("pearsonr", desc, "scipy.stats.pearsonr(x, y)", {"x": x, "y": y}, {}, f)


def chisq(f_obs, desc, f_exp=None):
    inputs = {"f_obs": f_obs}
    if f_exp is not None:
        inputs["f_exp"] = f_exp

    def f():
        r = stats.chisquare(f_obs, f_exp)
        return {"statistic": r.statistic, "pvalue": r.pvalue}
    add("chisquare", desc, "scipy.stats.chisquare(f_obs, f_exp)", inputs, {}, f)


def binom(k, n, desc, **kw):
    def f():
        r = stats.binomtest(k, n, **kw)
        o = {"statistic": r.statistic, "pvalue": r.pvalue}
        for m in ("exact", "wilson", "wilsoncc"):
            ci = r.proportion_ci(0.95, method=m)
            o[f"proportion_ci_95_{m}"] = {"low": enc(ci.low), "high": enc(ci.high)}
        return o
    add("binomtest", desc, f"scipy.stats.binomtest(k, n, **{kw})", {"k": k, "n": n}, kw, f)


rng = np.random.default_rng(20240611)

# Empty input.
ttest_rel([], [], "empty")
ttest_ind([], [1.0, 2.0], "empty x", equal_var=True)
ttest_ind([], [1.0, 2.0], "empty x (Welch)", equal_var=False)
wilcoxon([], [], "empty")
wilcoxon([], [], "empty, method=approx", method="approx")
mwu([], [1.0], "empty x (error expected)")
ks([], [1.0, 2.0], "empty x (error expected)")
spearman([], [], "empty")
chisq([], "empty")

# n = 1.
ttest_rel([1.0], [0.0], "n=1")
ttest_ind([1.0], [0.0, 2.0], "n1=1", equal_var=True)
ttest_ind([1.0], [0.0, 2.0], "n1=1 (Welch)", equal_var=False)
ttest_ind([1.0], [0.0], "n1=n2=1", equal_var=True)
wilcoxon([1.0], [0.0], "n=1, exact")
wilcoxon([1.0], [0.0], "n=1, approx", method="approx")
mwu([1.0], [2.0], "n1=n2=1")
ks([1.0], [2.0], "n1=n2=1", method="exact")
ks([1.0], [2.0], "n1=n2=1 asymp", method="asymp")
spearman([1.0], [2.0], "n=1")
pearson([1.0], [2.0], "n=1 (error expected)")
binom(1, 1, "n=1, k=1")
binom(0, 1, "n=1, k=0")

# All equal / zero variance.
ttest_rel([2.0, 2.0, 2.0], [1.0, 1.0, 1.0], "constant non-zero difference: t = +Inf")
ttest_ind([2.0, 2.0, 2.0], [2.0, 2.0], "all values equal: 0/0", equal_var=True)
ttest_ind([2.0, 2.0, 2.0], [2.0, 2.0], "all values equal: 0/0 (Welch)", equal_var=False)
mwu([1.0, 1.0, 1.0], [1.0, 1.0], "all values equal")
ks([1.0, 1.0, 1.0], [1.0, 1.0], "all values equal", method="exact")
spearman([1.0, 1.0, 1.0], [1.0, 2.0, 3.0], "constant x")
wilcoxon([1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 2.0, 3.0], "all differences equal (tied), auto")
wilcoxon([1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 2.0, 3.0], "all differences equal (tied), approx", method="approx")
wilcoxon([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], "all zero, zsplit approx", zero_method="zsplit", method="approx")
wilcoxon([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], "all zero, pratt approx (error expected)", zero_method="pratt", method="approx")

# NaN input (scipy's default nan_policy='propagate').
ttest_rel([1.0, NAN, 3.0], [0.0, 1.0, 1.0], "NaN in x")
ttest_ind([1.0, NAN, 3.0], [0.0, 1.0, 1.0], "NaN in x", equal_var=True)
ttest_ind([1.0, NAN, 3.0], [0.0, 1.0, 1.0], "NaN in x (Welch)", equal_var=False)
wilcoxon([1.0, NAN, 3.0], [0.0, 1.0, 1.0], "NaN in x")
mwu([1.0, NAN], [1.0, 2.0], "NaN in x")
spearman([1.0, NAN, 3.0], [1.0, 2.0, 4.0], "NaN in x")
chisq([1.0, NAN, 3.0], "NaN count")

# Infinity.
ttest_rel([1.0, np.inf, 3.0], [0.0, 1.0, 1.0], "+Inf in x: Inf - Inf inside the variance")
mwu([1.0, np.inf, 3.0], [0.0, 1.0, 2.0], "+Inf is just the largest value for ranks")

# Ties and one-sided variants not in stats.jsonl.
x = [1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 4.0, 5.0]
y = [2.0, 3.0, 3.0, 4.0, 4.0, 5.0, 6.0, 6.0, 7.0]
mwu(x, y, "ties, exact requested: scipy uses the no-ties distribution", method="exact")
mwu(x, y, "ties, less, no continuity", alternative="less", use_continuity=False)
wilcoxon([3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.0, 6.0], [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0],
         "one-sided greater, approx with correction", alternative="greater", method="approx", correction=True)
wilcoxon([3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.0, 6.0], [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0],
         "zero difference, zsplit, exact requested: switches", zero_method="zsplit", method="exact")
ttest_ind([1.0, 2.0, 3.0, 4.0], [2.5, 3.5, 4.5, 5.5, 9.0], "greater", equal_var=True, alternative="greater")
ttest_rel([1.0, 2.0, 3.0, 4.0, 5.0], [1.5, 1.0, 3.5, 3.0, 6.0], "greater CI (one-sided)", alternative="greater")

# ks_2samp paths the shared vectors do not reach.
a = np.round(rng.normal(0.0, 1.0, 400), 6).tolist()
b = np.round(rng.normal(0.05, 1.0, 400), 6).tolist()
ks(a, b, "n1=n2=400 asymp: kstwo with n=200 (> 140)", method="asymp")
ks(a, b, "n1=n2=400 exact", method="exact")
ks(a, b, "n1=n2=400 one-sided exact", method="exact", alternative="greater")
c = np.round(rng.normal(0.4, 1.3, 300), 6).tolist()
ks(a, c, "n1=400, n2=300 asymp (n=171)", method="asymp")
ks(a, c, "n1=400, n2=300 exact", method="exact")
ks(a[:30], c[:45], "n1=30, n2=45 one-sided less exact", method="exact", alternative="less")
ks(a[:30], c[:45], "n1=30, n2=45 one-sided less asymp", method="asymp", alternative="less")
ks(a[:7], c[:7], "n1=n2=7 one-sided less exact", method="exact", alternative="less")

# Exact Mann-Whitney with larger samples (no ties), one-sided.
u = rng.permutation(40)[:20].astype(float).tolist()
mwu(u[:8], u[8:20], "n1=8, n2=12 exact (auto)")
mwu(u[:8], u[8:20], "n1=8, n2=12 exact greater", alternative="greater")

# binomtest with a large n and a skewed null (two-sided search).
binom(3, 200, "k far below np", p=0.1)
binom(40, 200, "k far above np", p=0.1)

print("\n".join(json.dumps(c_) for c_ in cases))
