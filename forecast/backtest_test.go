package forecast

import (
	"errors"
	"testing"
)

// TestBacktestSynthetic backtests the AIC choice against the seasonal-naive
// baseline on the synthetic spend series (rolling origins, 28-day
// horizon): it must beat the baseline's MAPE and its 95 % intervals must
// cover most actual values.
func TestBacktestSynthetic(t *testing.T) {
	y := syntheticSpend(210, 20261207)
	cfg := BacktestConfig{Horizon: 28, Origins: 3, Step: 28}
	scores, err := Backtest(y, cfg, SeasonalNaive(7), ByAIC(DailyCandidates(7), 1))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range scores {
		t.Logf("%-28s MAPE %.2f%% (×%.3f of baseline)  coverage 80%% %.2f  95%% %.2f  (%d points)", s.Name, s.MAPE, s.RelMAPE, s.Coverage80, s.Coverage95, s.Points)
	}
	es := scores[1]
	if !(es.RelMAPE < 1) {
		t.Errorf("exponential smoothing MAPE %.2f%% does not beat seasonal naive %.2f%%", es.MAPE, scores[0].MAPE)
	}
	if es.Points != 84 {
		t.Errorf("scored %d points, want 3 origins × 28", es.Points)
	}
	if es.Coverage95 < 0.85 || es.Coverage80 < 0.6 || es.Coverage80 > es.Coverage95 {
		t.Errorf("coverage 80%% %.2f, 95%% %.2f: intervals too narrow or inconsistent", es.Coverage80, es.Coverage95)
	}
}

// TestSeasonalNaiveExact: on a purely periodic series the baseline is
// exact and its intervals have zero width.
func TestSeasonalNaiveExact(t *testing.T) {
	y := make([]float64, 42)
	for i := range y {
		y[i] = float64(10 + i%7)
	}
	scores, err := Backtest(y, BacktestConfig{Horizon: 7, Origins: 2}, SeasonalNaive(7))
	if err != nil {
		t.Fatal(err)
	}
	if s := scores[0]; s.MAPE != 0 || s.Coverage95 != 1 || s.RelMAPE != 0 && s.MAPE != 0 {
		t.Errorf("score %+v, want MAPE 0 and full coverage", s)
	}
}

func TestBacktestErrors(t *testing.T) {
	y := syntheticSpend(30, 1)
	if _, err := Backtest(y, BacktestConfig{Horizon: 28, Origins: 2}, SeasonalNaive(7)); !errors.Is(err, ErrTooShort) {
		t.Errorf("too short: err = %v, want ErrTooShort", err)
	}
	if _, err := Backtest(y, BacktestConfig{Horizon: 0, Origins: 2}, SeasonalNaive(7)); !errors.Is(err, ErrBadSpec) {
		t.Errorf("horizon 0: err = %v, want ErrBadSpec", err)
	}
	if _, err := Backtest(y, BacktestConfig{Horizon: 7, Origins: 1}); err == nil {
		t.Error("no forecaster: want an error")
	}
}
