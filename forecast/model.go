package forecast

import (
	"errors"
	"fmt"
)

// Component says how a trend, a seasonal pattern or an error term enters a
// model.
type Component int

const (
	// None leaves the component out.
	None Component = iota
	// Additive adds the component.
	Additive
	// Multiplicative multiplies by the component.
	Multiplicative
)

// String names the component as statsmodels' arguments do.
func (c Component) String() string {
	switch c {
	case None:
		return "none"
	case Additive:
		return "add"
	case Multiplicative:
		return "mul"
	}
	return fmt.Sprintf("Component(%d)", int(c))
}

// Form picks the parametrisation and the objective of the fit.
type Form int

const (
	// FormHoltWinters is statsmodels' ExponentialSmoothing: Params.Beta is
	// Holt's β* and the fit minimises the sum of squared errors.
	FormHoltWinters Form = iota
	// FormETS is statsmodels' ETSModel: Params.Beta is β = αβ* and the fit
	// maximises the log-likelihood of the additive or multiplicative error.
	FormETS
)

// Spec describes a model.
type Spec struct {
	// Form is the parametrisation (default FormHoltWinters).
	Form Form
	// Error is the ETS error type, Additive (the default when None) or
	// Multiplicative; FormHoltWinters ignores it.
	Error Component
	// Trend is None or Additive.
	Trend Component
	// Damped damps the trend by Params.Phi; needs a trend.
	Damped bool
	// Seasonal is None, Additive or Multiplicative.
	Seasonal Component
	// Period is the seasonal period (7 for a weekly pattern in a daily
	// series); ignored without a seasonal component.
	Period int
}

// Name is a short name: ETS's "AAdA" style for both forms, with the
// error letter only for FormETS (e.g. "AdA" for a damped additive
// Holt-Winters model).
func (s Spec) Name() string {
	letter := map[Component]string{None: "N", Additive: "A", Multiplicative: "M"}
	name := letter[s.Trend]
	if s.Damped {
		name += "d"
	}
	name += letter[s.Seasonal]
	if s.Form == FormETS {
		return letter[s.errorType()] + name
	}
	return name
}

func (s Spec) errorType() Component {
	if s.Error == None {
		return Additive
	}
	return s.Error
}

// period returns the seasonal period, 0 without a seasonal component.
func (s Spec) period() int {
	if s.Seasonal == None {
		return 0
	}
	return s.Period
}

// multiplicative reports whether y must be strictly positive.
func (s Spec) multiplicative() bool {
	return s.Seasonal == Multiplicative || (s.Form == FormETS && s.errorType() == Multiplicative)
}

// ErrBadSpec is wrapped by every error about an impossible model.
var ErrBadSpec = errors.New("forecast: bad model")

// Validate reports an impossible model.
func (s Spec) Validate() error {
	switch {
	case s.Trend != None && s.Trend != Additive:
		return fmt.Errorf("%w: trend must be none or additive, got %v", ErrBadSpec, s.Trend)
	case s.Damped && s.Trend == None:
		return fmt.Errorf("%w: a damped trend needs a trend", ErrBadSpec)
	case s.Seasonal != None && s.Period < 2:
		return fmt.Errorf("%w: seasonal period %d, want at least 2", ErrBadSpec, s.Period)
	case s.Seasonal < None || s.Seasonal > Multiplicative, s.Error < None || s.Error > Multiplicative:
		return fmt.Errorf("%w: unknown component", ErrBadSpec)
	}
	return nil
}

// Params are the smoothing parameters. Beta, Gamma and Phi are ignored by
// models without a trend, a seasonal component or damping.
type Params struct {
	// Alpha smooths the level.
	Alpha float64
	// Beta smooths the trend: Holt's β* in FormHoltWinters, β = αβ* in
	// FormETS.
	Beta float64
	// Gamma smooths the seasonal terms.
	Gamma float64
	// Phi damps the trend (1 for an undamped model whatever is set here).
	Phi float64
}

// State is a model's state before the first observation.
type State struct {
	// Level is l0.
	Level float64
	// Trend is b0 (0 without a trend).
	Trend float64
	// Seasonal holds Period terms, Seasonal[j] being the term applied to
	// y[j] (the oldest first); nil without a seasonal component.
	Seasonal []float64
}
