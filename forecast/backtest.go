package forecast

import (
	"errors"
	"fmt"
	"math"
)

// Forecaster makes an h-step prediction from a training series.
type Forecaster struct {
	// Name labels the forecaster in a backtest.
	Name string
	// Predict returns the forecasts for the h days after train.
	Predict func(train []float64, h int) (Prediction, error)
}

// SeasonalNaive is the baseline: each day forecast by the same weekday of
// the last observed cycle, with FPP3's interval σ·√(k+1) (k full cycles
// ahead), σ² the mean squared one-cycle-back residual of the training
// series.
func SeasonalNaive(period int) Forecaster {
	return Forecaster{Name: "seasonal-naive", Predict: func(train []float64, h int) (Prediction, error) {
		n := len(train)
		if n <= period {
			return Prediction{}, fmt.Errorf("%w: seasonal naive needs more than %d observations, got %d", ErrTooShort, period, n)
		}
		ss := 0.0
		for t := period; t < n; t++ {
			d := train[t] - train[t-period]
			ss += d * d
		}
		sigma := math.Sqrt(ss / float64(n-period))
		p := Prediction{Mean: make([]float64, h), Variance: make([]float64, h)}
		p.PI80 = Band{make([]float64, h), make([]float64, h)}
		p.PI95 = Band{make([]float64, h), make([]float64, h)}
		for i := 0; i < h; i++ {
			mean := train[n-period+i%period]
			sd := sigma * math.Sqrt(float64(i/period+1))
			p.Mean[i], p.Variance[i] = mean, sd*sd
			p.PI80.Lower[i], p.PI80.Upper[i] = mean-z80*sd, mean+z80*sd
			p.PI95.Lower[i], p.PI95.Upper[i] = mean-z95*sd, mean+z95*sd
		}
		return p, nil
	}}
}

// ByAIC is the forecaster that, at each origin, fits the candidates, keeps
// the lowest AIC (Select) and predicts with it (Predict, seeded by seed).
func ByAIC(candidates []Spec, seed uint64) Forecaster {
	return Forecaster{Name: "exponential-smoothing (AIC)", Predict: func(train []float64, h int) (Prediction, error) {
		sel, err := Select(train, candidates)
		if err != nil {
			return Prediction{}, err
		}
		return sel.Best.Predict(h, seed)
	}}
}

// Model is the forecaster of one fixed model, refitted at each origin.
func Model(spec Spec, seed uint64) Forecaster {
	return Forecaster{Name: spec.Name(), Predict: func(train []float64, h int) (Prediction, error) {
		r, err := Fit(train, spec)
		if err != nil {
			return Prediction{}, err
		}
		return r.Predict(h, seed)
	}}
}

// BacktestConfig places the rolling origins.
type BacktestConfig struct {
	// Horizon is the number of days forecast from each origin (required).
	Horizon int
	// Origins is the number of forecast origins (required); the last one
	// leaves exactly Horizon observations after it.
	Origins int
	// Step is the number of days between origins (default Horizon, so that
	// the tested windows do not overlap).
	Step int
}

// Score is one forecaster's backtest result.
type Score struct {
	Name string
	// MAPE is the mean absolute percentage error (in %) over the forecast
	// points whose actual value is not 0.
	MAPE float64
	// Coverage80 and Coverage95 are the shares of actual values inside
	// the 80 % and 95 % intervals.
	Coverage80, Coverage95 float64
	// Points is the number of forecast points scored (Origins × Horizon);
	// MAPEPoints those with a non-zero actual.
	Points, MAPEPoints int
	// RelMAPE is MAPE over the baseline's MAPE in the same run (the first
	// forecaster given to Backtest); < 1 beats it.
	RelMAPE float64
}

// Backtest forecasts y from rolling origins with every forecaster and
// scores the forecasts against what followed. The first forecaster is the
// baseline RelMAPE is relative to (pass SeasonalNaive first). Origins run
// from n − Horizon − (Origins−1)·Step to n − Horizon, each forecaster
// trained on y[:origin].
func Backtest(y []float64, cfg BacktestConfig, forecasters ...Forecaster) ([]Score, error) {
	if cfg.Step == 0 {
		cfg.Step = cfg.Horizon
	}
	if cfg.Horizon < 1 || cfg.Origins < 1 || cfg.Step < 1 {
		return nil, fmt.Errorf("%w: backtest needs Horizon, Origins and Step ≥ 1, got %+v", ErrBadSpec, cfg)
	}
	if len(forecasters) == 0 {
		return nil, errors.New("forecast: backtest needs at least one forecaster")
	}
	first := len(y) - cfg.Horizon - (cfg.Origins-1)*cfg.Step
	if first < 1 {
		return nil, fmt.Errorf("%w: %d observations for %d origins %d days apart with horizon %d", ErrTooShort, len(y), cfg.Origins, cfg.Step, cfg.Horizon)
	}
	scores := make([]Score, len(forecasters))
	for i, f := range forecasters {
		s := Score{Name: f.Name}
		apeSum := 0.0
		in80, in95 := 0, 0
		for o := 0; o < cfg.Origins; o++ {
			origin := first + o*cfg.Step
			p, err := f.Predict(y[:origin], cfg.Horizon)
			if err != nil {
				return nil, fmt.Errorf("backtest %s at origin %d: %w", f.Name, origin, err)
			}
			for h := 0; h < cfg.Horizon; h++ {
				actual := y[origin+h]
				s.Points++
				if actual != 0 {
					apeSum += math.Abs((actual - p.Mean[h]) / actual)
					s.MAPEPoints++
				}
				if actual >= p.PI80.Lower[h] && actual <= p.PI80.Upper[h] {
					in80++
				}
				if actual >= p.PI95.Lower[h] && actual <= p.PI95.Upper[h] {
					in95++
				}
			}
		}
		s.MAPE = 100 * apeSum / float64(s.MAPEPoints)
		s.Coverage80 = float64(in80) / float64(s.Points)
		s.Coverage95 = float64(in95) / float64(s.Points)
		scores[i] = s
	}
	for i := range scores {
		scores[i].RelMAPE = scores[i].MAPE / scores[0].MAPE
	}
	return scores, nil
}

// SelectByBacktest returns the candidate whose refits forecast y best
// (lowest MAPE) over the rolling origins of cfg, with every candidate's
// score; candidates that cannot be fitted are left out.
func SelectByBacktest(y []float64, cfg BacktestConfig, candidates []Spec, seed uint64) (Spec, []Score, error) {
	var best Spec
	var scores []Score
	bestMAPE := math.Inf(1)
	for _, spec := range candidates {
		sc, err := Backtest(y, cfg, Model(spec, seed))
		if err != nil {
			continue
		}
		scores = append(scores, sc[0])
		if sc[0].MAPE < bestMAPE {
			best, bestMAPE = spec, sc[0].MAPE
		}
	}
	if math.IsInf(bestMAPE, 1) {
		return Spec{}, scores, ErrNoModel
	}
	return best, scores, nil
}
