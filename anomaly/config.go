package anomaly

import (
	"math"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/drift"
)

// Method is how a value is scored against its baseline window.
type Method string

// The scoring methods.
const (
	// MethodZScore is the classical z-score: (x − mean) / standard
	// deviation of the window (scipy.stats.zmap).
	MethodZScore Method = "zscore"
	// MethodRobust is the robust z-score: (x − median) / (1.4826·MAD) of
	// the window, so that the outliers being looked for do not inflate
	// the scale and hide each other (see drift.RobustZMap for the
	// fallback when more than half the window is one value).
	MethodRobust Method = "robust"
)

// Config is the configuration of every series' detector. Start from
// DefaultConfig: a zero field is not replaced by its default (a cool-down
// of 0 is a valid choice). JSON names are the config file's.
type Config struct {
	// Method is MethodZScore or MethodRobust. Default MethodRobust: on
	// the skewed signals papersum watches (cost, latency, tokens) its
	// measured false-alarm rate is the lower of the two (BENCHMARKS.md,
	// "Anomaly detection").
	Method Method `json:"method"`
	// Window is the number of past values of the series that a new value
	// is scored against (the rolling baseline). Default 100.
	Window int `json:"window"`
	// WarmUp is how many past values the window must hold before a value
	// is scored at all: no decision before it. At least 2, at most
	// Window. Default 30.
	WarmUp int `json:"warm_up"`
	// Threshold: a value with |score| above it is anomalous. Default 4.
	Threshold float64 `json:"threshold"`
	// CoolDown is the number of values after an alarm during which the
	// series raises no new alarm (their scores are still computed), so
	// that one incident gives one alarm. Default 20.
	CoolDown int `json:"cool_down"`
	// Log scores the natural logarithm of the values instead of the
	// values: cost, latency and token counts are positive and
	// right-skewed (near log-normal), and a step by a factor becomes a
	// shift of the same size whatever the level. A value ≤ 0 is then an
	// error. Default true.
	Log bool `json:"log"`
	// DDoF is the delta degrees of freedom of MethodZScore's standard
	// deviation (0 divides by n as SciPy's default, 1 by n − 1); ignored
	// by MethodRobust. Default 0.
	DDoF int `json:"ddof"`
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{Method: MethodRobust, Window: 100, WarmUp: 30, Threshold: 4, CoolDown: 20, Log: true}
}

// Validate reports the first invalid field as an EINVALID error naming
// it by its JSON name.
func (c Config) Validate() error {
	switch {
	case c.Method != MethodZScore && c.Method != MethodRobust:
		return invalidf("anomaly: method must be %q or %q, not %q", MethodZScore, MethodRobust, c.Method)
	case c.Window < 2:
		return invalidf("anomaly: window must be at least 2, not %d", c.Window)
	case c.WarmUp < 2 || c.WarmUp > c.Window:
		return invalidf("anomaly: warm_up must be in [2, window = %d], not %d", c.Window, c.WarmUp)
	case math.IsNaN(c.Threshold) || math.IsInf(c.Threshold, 0) || c.Threshold <= 0:
		return invalidf("anomaly: threshold must be a finite number > 0, not %v", c.Threshold)
	case c.CoolDown < 0:
		return invalidf("anomaly: cool_down must not be negative, not %d", c.CoolDown)
	case c.DDoF < 0 || c.DDoF >= c.WarmUp:
		return invalidf("anomaly: ddof must be in [0, warm_up), not %d", c.DDoF)
	}
	return nil
}

// params is the drift.RollingZ configuration that scores one series.
func (c Config) params() drift.RollingZParams {
	return drift.RollingZParams{
		WindowSize: c.Window, WarmUp: c.WarmUp, Threshold: c.Threshold,
		CoolDown: c.CoolDown, Robust: c.Method == MethodRobust, DDoF: c.DDoF,
	}
}

func invalidf(format string, args ...any) error {
	e := papersum.Errorf(papersum.EINVALID, format, args...)
	e.Op = "anomaly"
	return e
}
