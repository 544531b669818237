// Package forecast owns papersum's time-series forecasts: exponential
// smoothing of a daily series (spend, volume) — simple, Holt's linear,
// damped trend, and Holt-Winters with additive or multiplicative weekly
// seasonality — with the fit, the model choice and the prediction
// intervals a cost forecast needs. Every function is pure: numbers in,
// numbers out, no I/O, no clock, no hidden randomness.
//
// # Reference semantics
//
// The recursions, initialisations, criteria and interval formulas are
// statsmodels 0.13.5's, in its two forms: FormHoltWinters is
// statsmodels.tsa.holtwinters.ExponentialSmoothing (Holt's β* smooths the
// level difference; the fit minimises the sum of squared errors) and FormETS
// is statsmodels.tsa.exponential_smoothing.ets.ETSModel (error-correction
// parameters β = αβ*, γ; the fit maximises the Gaussian log-likelihood).
// Both forms give the same point recursions except for multiplicative
// seasonality, whose seasonal update differs (see smooth.go). Forecasts use
// the textbook seasonal index S[n+(h−1) mod m] in both forms, not
// statsmodels 0.13.5's Holt-Winters quirk (issue #9538) that reuses a
// season-old term at h = m, 2m, ...
//
// The package is tested case by case against reference vectors made with
// statsmodels (forecast.jsonl, development data read through
// PAPERSUM_REFVEC_DIR; see internal/devdata and the README next to it).
//
// # Why the recursions are written here
//
// No Go library implements exponential smoothing (gonum has optimisers and
// linear algebra, not state-space smoothers), and matching statsmodels to
// 1e-9 needs its exact update order. So the recursions, the heuristic
// initialisations and the closed-form forecast variances are hand-written;
// the optimisation (gonum/optimize Nelder-Mead) and the least squares
// (gonum/mat) are gonum's.
//
// # Fitting
//
// Fit chooses the smoothing parameters within statsmodels' bounds and the
// initial states. For models that are linear in their initial state
// (additive or no seasonality, additive error) the initial state is solved
// exactly by least squares for each candidate set of smoothing parameters,
// so the optimiser only searches 1 to 4 bounded dimensions; multiplicative
// models are searched over all parameters. Select fits a list of candidate
// models and keeps the one with the lowest AIC; Backtest compares models,
// or Select itself, by rolling-origin forecasts against the seasonal-naive
// baseline.
package forecast
