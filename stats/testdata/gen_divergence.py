"""Generate divergence.jsonl: reference cases for GTest, GTestContingency,
JensenShannon and Wasserstein (functions the shared vectors do not cover,
or cover only in two cases).

Run with the reference implementation, the same as stats.jsonl's:
scipy 1.10.1 + numpy 1.24.2 (Debian bookworm `/usr/bin/python3`,
package python3-scipy):

    /usr/bin/python3 stats/testdata/gen_divergence.py > stats/testdata/divergence.jsonl

Same schema as edge.jsonl. Every number comes from scipy; nothing here
comes from the Go package. Deterministic: fixed seeds, no clock.
"""
import json
import math
import warnings

import numpy as np
import scipy
from scipy import stats
from scipy.spatial import distance

assert scipy.__version__ == "1.10.1", scipy.__version__
assert np.__version__ == "1.24.2", np.__version__

cases = []


def enc(v):
    if isinstance(v, np.ndarray):
        return enc(v.tolist())
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
        "id": f"div-{len(cases) + 1:04d}",
        "function": function,
        "description": description,
        "call": call,
        "inputs": {k: enc(v) for k, v in inputs.items()},
        "options": options,
        "outputs": None if out is None else {k: enc(v) for k, v in out.items()},
        "error": err,
        "warnings": msgs,
    })


def gtest(f_obs, f_exp, desc, **kw):
    def f():
        r = stats.power_divergence(f_obs, f_exp=f_exp, lambda_="log-likelihood", **kw)
        return {"statistic": r.statistic, "pvalue": r.pvalue}
    inputs = {"f_obs": f_obs}
    if f_exp is not None:
        inputs["f_exp"] = f_exp
    add("power_divergence", desc, f"scipy.stats.power_divergence(f_obs, f_exp=f_exp, lambda_='log-likelihood', **{kw})",
        inputs, dict(kw, lambda_="log-likelihood"), f)


def gcont(observed, desc, **kw):
    def f():
        r = stats.chi2_contingency(observed, lambda_="log-likelihood", **kw)
        return {"statistic": r[0], "pvalue": r[1], "dof": r[2], "expected_freq": r[3]}
    add("chi2_contingency", desc, f"scipy.stats.chi2_contingency(observed, lambda_='log-likelihood', **{kw})",
        {"observed": observed}, dict(kw, lambda_="log-likelihood"), f)


def js(p, q, desc, base=None):
    def f():
        return {"statistic": distance.jensenshannon(p, q, base)}
    opts = {} if base is None else {"base": base}
    add("jensenshannon", desc, f"scipy.spatial.distance.jensenshannon(p, q, base={base})", {"p": p, "q": q}, opts, f)


def wd(u, v, desc):
    def f():
        return {"statistic": stats.wasserstein_distance(u, v)}
    add("wasserstein_distance", desc, "scipy.stats.wasserstein_distance(u, v)", {"u": u, "v": v}, {}, f)


rng = np.random.default_rng(3100)

# G-test (goodness of fit).
gtest([63, 121, 184, 154, 78], [59.4, 126.0, 174.6, 145.8, 94.2], "binned counts vs reference shares")
gtest([18, 22, 20, 25, 15], None, "uniform expected (f_exp omitted)")
gtest([5, 0, 10], [5.0, 2.5, 7.5], "zero observed count: xlogy gives 0")
gtest([5, 2, 8], [7.5, 0.0, 7.5], "zero expected, positive observed: inf")
gtest([30, 81, 188, 186, 115], [59.4, 126.0, 174.6, 145.8, 94.2], "shifted, ddof=1", ddof=1)
gtest([10, 20, 30], [20, 20, 25], "sums differ: ValueError")
gtest([12.0], [12.0], "one category: 0 degrees of freedom")

# G-test of independence.
gcont([[120, 880], [75, 325]], "2x2 with Yates (default)")
gcont([[120, 880], [75, 325]], "2x2 without Yates", correction=False)
gcont([[3, 12], [7, 8]], "2x2 small counts, Yates")
gcont([[10, 10], [10, 11]], "2x2 |O-E| < 0.5: Yates moves onto E")
gcont([[50, 30, 0], [40, 25, 12]], "2x3 with a zero cell")
gcont([[50, 30, 0], [40, 25, 0]], "zero column: ValueError")
gcont([[4, 9, 2, 7]], "one row: dof 0")

# Jensen-Shannon distance.
js([0.2, 0.3, 0.5], [0.2, 0.3, 0.5], "identical: 0")
js([1.0, 0.0], [0.0, 1.0], "disjoint supports (nats): sqrt(ln 2)")
js([1.0, 0.0], [0.0, 1.0], "disjoint supports base 2: 1", base=2)
js([0.1, 0.4, 0.5], [0.3, 0.3, 0.4], "three bins")
js([10, 40, 50], [3, 3, 4], "unnormalised counts")
js([0.5, 0.3333333333333333], [0.25, 0.25], "percents that do not sum to 1 (nulls)")
js([0.25, 0.25, 0.0, 0.5], [0.0, 0.5, 0.25, 0.25], "zeros on both sides, base 2", base=2)
p = rng.dirichlet(np.ones(30)).tolist()
q = rng.dirichlet(np.ones(30)).tolist()
js(p, q, "30 bins from a Dirichlet")
h1 = np.histogram(rng.normal(0, 1, 3000), bins=np.linspace(-4, 4, 151))[0] / 3000
h2 = np.histogram(rng.normal(0.2, 1.1, 2000), bins=np.linspace(-4, 4, 151))[0] / 2000
js(h1.tolist(), h2.tolist(), "150 histogram bins (pairwise sum beyond 128)")

# Wasserstein distance.
wd([0.0, 1.0, 3.0], [5.0, 6.0, 8.0], "scipy docstring: 5")
wd([0.0, 1.0], [0.0, 1.0], "identical: 0")
wd([3.4], [1.2], "one value each")
wd([1.0, 1.0, 2.0, 2.0, 2.0], [2.0, 2.0, 3.0], "ties across samples")
a = np.round(rng.normal(0, 1, 500), 4).tolist()
b = np.round(rng.normal(0.3, 1.2, 300), 4).tolist()
wd(a, b, "N(0,1) n=500 vs N(0.3,1.2^2) n=300")
c = np.round(rng.normal(0, 1, 5000), 3).tolist()
d = np.round(rng.normal(0, 1, 4000), 3).tolist()
wd(c, d, "n=5000 vs n=4000, many ties (3 decimals)")
wd([], [1.0], "empty: ValueError")

print("\n".join(json.dumps(c_) for c_ in cases))
