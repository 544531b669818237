package anomaly

import (
	"math"

	"github.com/papersum/papersum"
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

// Direction is which side of the baseline raises an alarm.
type Direction string

// The directions.
const (
	// Both: a value far above or far below the baseline.
	Both Direction = "both"
	// Up: only a value far above it (costlier, slower, longer).
	Up Direction = "up"
	// Down: only a value far below it (a quality drop).
	Down Direction = "down"
)

// Config is the configuration of every series' detector. Start from
// DefaultConfig: a zero field is not replaced by its default (a cool-down
// of 0 is a valid choice). JSON names are the config file's.
type Config struct {
	// Method is MethodZScore or MethodRobust. Default MethodZScore: with
	// Recent > 1 the score is that of a mean, whose standard error the
	// standard deviation estimates whatever the signal's shape, while
	// 1.4826·MAD underestimates it on heavy-tailed real signals (replayed
	// local-engine runs on ScisummNet: 6 to 20 false alarms per 1,000
	// runs robust, 0.3 to 2.6 plain; BENCHMARKS.md, "Anomaly detection").
	// The robust method suits Recent = 1, single outliers against a
	// baseline that holds earlier ones (a spike that enters the plain
	// method's window widens its scale for the next Window values).
	Method Method `json:"method"`
	// Window is the number of past values of the series that a new value
	// is scored against (the rolling baseline). Default 100.
	Window int `json:"window"`
	// WarmUp is how many past values the window must hold before
	// anything is scored: no decision before it. At least 2, at most
	// Window. Default 30.
	WarmUp int `json:"warm_up"`
	// Recent is how many of the newest values are scored together: the
	// score is that of their mean, (mean − centre) / (scale / √Recent),
	// against the window of the values before them. 1 scores each value
	// alone and finds single outliers (a run that cost ten times the
	// usual); a larger Recent finds a lasting step that is small next to
	// the run-to-run spread (×1.5 in cost when runs vary by ±30%), which
	// no single value shows. Default 20 (BENCHMARKS.md, "Anomaly
	// detection", has both).
	Recent int `json:"recent"`
	// Threshold: a score beyond it (on the watched side) is anomalous.
	// Default 3.5.
	Threshold float64 `json:"threshold"`
	// Direction is which side alarms: Both, Up or Down. A one-sided
	// detector raises half the false alarms of a two-sided one at the
	// same threshold. Default Both; Monitor watches cost, tokens and
	// latency Up and quality Down.
	Direction Direction `json:"direction"`
	// CoolDown is the number of values after an alarm during which the
	// series raises no new alarm (their scores are still computed), so
	// that one incident gives one alarm (a lasting step alarms again
	// every CoolDown + 1 values until the baseline has taken it in). A
	// score at least twice the one that started the cool-down alarms
	// all the same: the incident got worse, or a false alarm's cool-down
	// was hiding a real one. Default 50.
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
	return Config{Method: MethodZScore, Window: 100, WarmUp: 30, Recent: 20, Threshold: 3.5, Direction: Both, CoolDown: 50, Log: true}
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
	case c.Recent < 1:
		return invalidf("anomaly: recent must be at least 1, not %d", c.Recent)
	case math.IsNaN(c.Threshold) || math.IsInf(c.Threshold, 0) || c.Threshold <= 0:
		return invalidf("anomaly: threshold must be a finite number > 0, not %v", c.Threshold)
	case c.Direction != Both && c.Direction != Up && c.Direction != Down:
		return invalidf("anomaly: direction must be %q, %q or %q, not %q", Both, Up, Down, c.Direction)
	case c.CoolDown < 0:
		return invalidf("anomaly: cool_down must not be negative, not %d", c.CoolDown)
	case c.DDoF < 0 || c.DDoF >= c.WarmUp:
		return invalidf("anomaly: ddof must be in [0, warm_up), not %d", c.DDoF)
	}
	return nil
}

// alarms reports whether score z passes the threshold on the watched side
// (NaN never does).
func (c Config) alarms(z float64) bool {
	switch c.Direction {
	case Up:
		return z > c.Threshold
	case Down:
		return z < -c.Threshold
	}
	return math.Abs(z) > c.Threshold
}

func invalidf(format string, args ...any) error {
	e := papersum.Errorf(papersum.EINVALID, format, args...)
	e.Op = "anomaly"
	return e
}
