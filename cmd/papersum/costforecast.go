package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/forecast"
	"github.com/papersum/papersum/report"
)

// Limits of a cost forecast.
const (
	// minForecastDays is the shortest daily history a forecast is fitted
	// on: Holt's linear trend has four parameters (α, β, level, slope),
	// and with fewer days than that plus one the fit has no residual
	// left to estimate the error variance, hence no interval.
	minForecastDays = 5
	// seasonalForecastDays is the shortest history the weekly seasonal
	// models are tried on: two full weeks, the least from which a weekly
	// pattern can be told from noise (forecast's heuristic
	// initialisation needs two periods too).
	seasonalForecastDays = 14
	// weekDays is the seasonal period of a daily series.
	weekDays = 7
	// forecastSeed makes the simulated intervals of the models without a
	// closed-form one (multiplicative seasonality) the same on every call.
	forecastSeed = 1
	// maxHorizonDays caps --horizon: a year ahead is already far beyond
	// what smoothing of a few months of history can say.
	maxHorizonDays = 365
	// listPage is the page size in which the history is read.
	listPage = 1000
)

func newCostCmd(e *env, g *globalFlags) *cobra.Command {
	c := &cobra.Command{
		Use:   "cost",
		Short: "Spend: forecasts from the recorded runs",
		Long:  "Commands over what the recorded runs cost.",
	}
	var horizon int
	var since, format string
	fc := &cobra.Command{
		Use:   "forecast",
		Short: "Forecast daily spend from the recorded runs",
		Long: `Forecast the daily spend (USD) of the next days from the spend recorded in the
store: each run's cost (the sum of its stages) is counted on the UTC day it
finished (the day it was created, for a run not finished), days without runs
count as $0, and the history runs from --since (default: the first recorded
day) to the last recorded day; the forecast starts the day after.

The model is chosen by AIC among exponential smoothing models (simple, Holt's
linear and damped trend, with additive or multiplicative weekly seasonality
once there are 14 days of history). It needs at least 5 days of history.
Spend cannot be negative, so forecasts and interval bounds below $0 are
shown as $0. The total is the sum of the daily forecasts; it has no interval
(the interval of a sum needs the correlation of the daily errors, which the
daily intervals do not carry).`,
		Example: `  papersum cost forecast
  papersum cost forecast --horizon 30d --since 2026-01-01
  papersum cost forecast --format json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			store, err := openStore(c.Context(), g, e.getenv)
			if err != nil {
				return err
			}
			defer store.Close()
			var from time.Time
			if since != "" {
				from, _ = time.Parse(time.DateOnly, since) // checked by its flag rule
			}
			hist, err := dailySpend(c.Context(), store, from)
			if err != nil {
				return err
			}
			fc, err := forecastSpend(hist, horizon)
			if err != nil {
				return err
			}
			return writeCostForecast(e, fc, format)
		},
	}
	fc.Flags().IntVar(&horizon, "horizon", 90, "days to forecast, written as e.g. 90d")
	fc.Flags().StringVar(&since, "since", "", "history from this UTC day on, YYYY-MM-DD (default: the first recorded day)")
	fc.Flags().StringVarP(&format, "format", "f", "text", "output format")
	limitFlags(fc.Flags(), daysIn("horizon", 1, maxHorizonDays), dateFlag("since"),
		formatFlag(report.FormatText, report.FormatJSON))
	// The help shows the default as it is written on the command line.
	fc.Flags().Lookup("horizon").DefValue = "90d"
	c.AddCommand(fc)
	return c
}

var daysPattern = regexp.MustCompile(`^(\d+)d$`)

// daysIn accepts a number of days written "90d", from lo to hi. A plain
// Go duration cannot say days, and a day count is what a forecast horizon
// is.
func daysIn(name string, lo, hi int) flagRule {
	accepts := fmt.Sprintf("from %dd to %dd", lo, hi)
	return flagRule{name: name, accepts: accepts, typ: "days",
		check: func(s string) (string, error) {
			m := daysPattern.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
			if m == nil {
				return "", fmt.Errorf("not a number of days (write e.g. 90d); must be %s", accepts)
			}
			n, err := strconv.Atoi(m[1])
			if err != nil || n < lo || n > hi {
				return "", fmt.Errorf("must be %s", accepts)
			}
			return strconv.Itoa(n), nil
		}}
}

// dateFlag accepts a calendar day, YYYY-MM-DD.
func dateFlag(name string) flagRule {
	return flagRule{name: name, typ: "date",
		check: func(s string) (string, error) {
			d, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
			if err != nil {
				return "", fmt.Errorf("not a date; write YYYY-MM-DD")
			}
			return d.Format(time.DateOnly), nil
		}}
}

// spendHistory is the daily spend of consecutive UTC days.
type spendHistory struct {
	// First is the first day (midnight UTC).
	First time.Time
	// Spend is the cost in USD of each day from First on.
	Spend []float64
	// Runs is how many runs each day has.
	Runs []int
}

// runDay is the UTC day a run's cost is counted on: the day it finished,
// or the day it was created while it is not finished.
func runDay(r *papersum.Run) time.Time {
	t := r.CreatedAt
	if r.FinishedAt != nil {
		t = *r.FinishedAt
	}
	return t.UTC().Truncate(24 * time.Hour)
}

// dailySpend reads every run (ListRuns, page by page) and sums its cost
// per UTC day from since (zero: from the first run's day) to the last day
// with a run, days without runs at 0. Every page is read even with since:
// runs are listed by creation, and one created before since may have
// finished after it.
func dailySpend(ctx context.Context, store papersum.Store, since time.Time) (spendHistory, error) {
	spend := map[time.Time]float64{}
	count := map[time.Time]int{}
	var first, last time.Time
	before := ""
	for {
		page, err := store.ListRuns(ctx, papersum.RunFilter{Limit: listPage, Before: before})
		if err != nil {
			return spendHistory{}, fmt.Errorf("cost forecast: read runs: %w", err)
		}
		for _, r := range page {
			d := runDay(r)
			if !since.IsZero() && d.Before(since) {
				continue
			}
			spend[d] += r.TotalCost()
			count[d]++
			if first.IsZero() || d.Before(first) {
				first = d
			}
			if d.After(last) {
				last = d
			}
		}
		if len(page) < listPage {
			break
		}
		before = page[len(page)-1].ID
	}
	if !since.IsZero() {
		first = since
	}
	h := spendHistory{First: first}
	if last.IsZero() {
		return h, nil
	}
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		h.Spend = append(h.Spend, spend[d])
		h.Runs = append(h.Runs, count[d])
	}
	return h, nil
}

// spendForecast is a cost forecast: the history it was fitted on, the
// model chosen and the forecast per day.
type spendForecast struct {
	HistoryFrom  string           `json:"history_from"`
	HistoryTo    string           `json:"history_to"`
	HistoryDays  int              `json:"history_days"`
	HistoryRuns  int              `json:"history_runs"`
	HistorySpend float64          `json:"history_spend_usd"`
	Model        string           `json:"model"`
	HorizonDays  int              `json:"horizon_days"`
	Days         []spendDay       `json:"days"`
	Total        spendForecastSum `json:"total"`
}

// spendDay is one forecast day: the point forecast and the bounds of its
// 80 % and 95 % prediction intervals, in USD.
type spendDay struct {
	Date  string  `json:"date"`
	Spend float64 `json:"spend_usd"`
	Lo80  float64 `json:"lo80_usd"`
	Hi80  float64 `json:"hi80_usd"`
	Lo95  float64 `json:"lo95_usd"`
	Hi95  float64 `json:"hi95_usd"`
}

// spendForecastSum is the horizon's total.
type spendForecastSum struct {
	Spend float64 `json:"spend_usd"`
}

// forecastSpend fits the history with forecast.Select and forecasts
// horizon days after it. A history shorter than minForecastDays is bad
// input (EINVALID) naming how many days there are.
func forecastSpend(h spendHistory, horizon int) (spendForecast, error) {
	n := len(h.Spend)
	if n < minForecastDays {
		return spendForecast{}, papersum.Errorf(papersum.EINVALID,
			"cost forecast: %d day(s) of recorded spend; a forecast needs at least %d", n, minForecastDays)
	}
	candidates := forecast.DailyCandidates(weekDays)
	if n < seasonalForecastDays {
		var plain []forecast.Spec
		for _, s := range candidates {
			if s.Seasonal == forecast.None {
				plain = append(plain, s)
			}
		}
		candidates = plain
	}
	sel, err := forecast.Select(h.Spend, candidates)
	if err != nil {
		return spendForecast{}, fmt.Errorf("cost forecast: %w", err)
	}
	p, err := sel.Best.Predict(horizon, forecastSeed)
	if err != nil {
		return spendForecast{}, fmt.Errorf("cost forecast: %w", err)
	}
	out := spendForecast{
		HistoryFrom: h.First.Format(time.DateOnly),
		HistoryTo:   h.First.AddDate(0, 0, n-1).Format(time.DateOnly),
		HistoryDays: n,
		Model:       sel.Best.Spec.Name(),
		HorizonDays: horizon,
		Days:        make([]spendDay, horizon),
	}
	for i, s := range h.Spend {
		out.HistorySpend += s
		out.HistoryRuns += h.Runs[i]
	}
	// Spend is never negative: a bound below 0 is 0. Clipping is monotone,
	// so the bounds keep their order.
	clip := func(x float64) float64 { return math.Max(0, x) }
	for i := range out.Days {
		d := spendDay{
			Date:  h.First.AddDate(0, 0, n+i).Format(time.DateOnly),
			Spend: clip(p.Mean[i]),
			Lo80:  clip(p.PI80.Lower[i]), Hi80: clip(p.PI80.Upper[i]),
			Lo95: clip(p.PI95.Lower[i]), Hi95: clip(p.PI95.Upper[i]),
		}
		out.Days[i] = d
		out.Total.Spend += d.Spend
	}
	return out, nil
}

func writeCostForecast(e *env, f spendForecast, format string) error {
	if format == report.FormatJSON {
		return writeJSON(e.stdout, f)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "history: %s to %s (%d days, %d runs, %s); model: %s\n",
		f.HistoryFrom, f.HistoryTo, f.HistoryDays, f.HistoryRuns, report.Money(f.HistorySpend), f.Model)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "DATE\tSPEND\tLO80\tHI80\tLO95\tHI95\t")
	for _, d := range f.Days {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", d.Date, report.Money(d.Spend),
			report.Money(d.Lo80), report.Money(d.Hi80), report.Money(d.Lo95), report.Money(d.Hi95))
	}
	fmt.Fprintf(tw, "total (%d days)\t%s\t\n", f.HorizonDays, report.Money(f.Total.Spend))
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := e.stdout.Write(b.Bytes())
	return err
}
