package econ

import (
	"context"
	"fmt"
	"math/big"
	"sort"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/llm/pricing"
)

// Reporter computes cost reports from a store's sums and a price table.
// It implements papersum.CostReporter.
type Reporter struct {
	Store  papersum.ReportStore
	Prices *pricing.Table
}

var _ papersum.CostReporter = (*Reporter)(nil)

// exactLine is a CostLine's money, exact.
type exactLine struct {
	cost, recorded, caching, batch, resultCache big.Rat
}

// mtok is a million, the unit of the table's prices.
var mtok = big.NewRat(1_000_000, 1)

func ratOf(f float64) *big.Rat {
	r := new(big.Rat)
	r.SetFloat64(f) // prices are finite, checked by pricing.Parse
	return r
}

func ratInt(n int64) *big.Rat { return new(big.Rat).SetInt64(n) }

// mulAdd adds n*price to acc.
func mulAdd(acc *big.Rat, n int64, price float64) {
	if n == 0 || price == 0 {
		return
	}
	acc.Add(acc, new(big.Rat).Mul(ratInt(n), ratOf(price)))
}

// Priced is the exact cost of one usage at one price row: what it cost,
// what prompt caching saved against paying every cached token at the
// input price, and what the batch discount saved.
type Priced struct {
	Cost, SavedCaching, SavedBatch big.Rat
}

// Price prices u at row, exactly; batch applies the batch discount.
func Price(row pricing.Row, u papersum.Usage, batch bool) Priced {
	var p Priced
	var full, caching big.Rat
	mulAdd(&full, u.InputTokens, row.InputPerMTok)
	mulAdd(&full, u.OutputTokens, row.OutputPerMTok)
	mulAdd(&full, u.CacheCreation5mTokens, row.CacheWrite5mPerMTok)
	mulAdd(&full, u.CacheCreation1hTokens, row.CacheWrite1hPerMTok)
	mulAdd(&full, u.CacheReadTokens, row.CacheReadPerMTok)
	full.Quo(&full, mtok)
	// Without caching every cache read and write would have been input.
	var uncached big.Rat
	mulAdd(&uncached, u.CacheReadTokens+u.CacheCreation5mTokens+u.CacheCreation1hTokens, row.InputPerMTok)
	mulAdd(&caching, u.CacheReadTokens, row.CacheReadPerMTok)
	mulAdd(&caching, u.CacheCreation5mTokens, row.CacheWrite5mPerMTok)
	mulAdd(&caching, u.CacheCreation1hTokens, row.CacheWrite1hPerMTok)
	caching.Sub(&uncached, &caching)
	caching.Quo(&caching, mtok)
	factor := big.NewRat(1, 1)
	if batch && row.BatchDiscount != 0 {
		factor.Sub(factor, ratOf(row.BatchDiscount))
		p.SavedBatch.Sub(&full, new(big.Rat).Mul(&full, factor))
	}
	p.Cost.Mul(&full, factor)
	p.SavedCaching.Mul(&caching, factor)
	return p
}

// PeriodLabel is the group of day under a time dimension: the day
// (2006-01-02), the ISO week (2006-W01) or the month (2006-01).
func PeriodLabel(by papersum.ReportDimension, day time.Time) string {
	switch by {
	case papersum.ByWeek:
		y, w := day.ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w)
	case papersum.ByMonth:
		return day.Format("2006-01")
	}
	return day.Format(time.DateOnly)
}

func timeDim(by papersum.ReportDimension) bool {
	return by == papersum.ByDay || by == papersum.ByWeek || by == papersum.ByMonth
}

// groupOf is the report group of a store row.
func groupOf(by papersum.ReportDimension, group string, day time.Time) string {
	if timeDim(by) {
		return PeriodLabel(by, day)
	}
	return group
}

// CostReport computes the report of q (papersum.CostReporter).
//
// Errors: EINVALID for an unknown dimension or a window whose Until is
// not after Since; the store's.
func (r *Reporter) CostReport(ctx context.Context, q papersum.CostReportQuery) (*papersum.CostReport, error) {
	if !q.By.Valid() {
		return nil, papersum.Errorf(papersum.EINVALID, "report: unknown dimension %q (want one of team, user, key, model, stage, day, week, month)", q.By)
	}
	w := q.Window
	if !w.Since.IsZero() && !w.Until.IsZero() && !w.Until.After(w.Since) {
		return nil, papersum.Errorf(papersum.EINVALID, "report: until %s is not after since %s", w.Until.Format(time.DateOnly), w.Since.Format(time.DateOnly))
	}
	usage, err := r.Store.UsageByDay(ctx, q.By, w)
	if err != nil {
		return nil, fmt.Errorf("cost report: %w", err)
	}
	runs, err := r.Store.RunsByDay(ctx, q.By, w)
	if err != nil {
		return nil, fmt.Errorf("cost report: %w", err)
	}
	return Build(q, usage, runs, r.Prices), nil
}

// Build computes a cost report from a store's sums (see CostReport).
func Build(q papersum.CostReportQuery, usage []papersum.UsageRow, runs []papersum.RunCountRow, prices *pricing.Table) *papersum.CostReport {
	by := q.By
	lines := map[string]*papersum.CostLine{}
	exact := map[string]*exactLine{}
	line := func(g string) (*papersum.CostLine, *exactLine) {
		if l, ok := lines[g]; ok {
			return l, exact[g]
		}
		lines[g], exact[g] = &papersum.CostLine{Group: g}, &exactLine{}
		return lines[g], exact[g]
	}
	unpriced := map[string]bool{}
	for _, u := range usage {
		l, x := line(groupOf(by, u.Group, u.Day))
		if by.StageLevel() {
			l.Runs += u.Runs
		}
		l.Stages += u.Stages
		l.InputTokens += u.Usage.InputTokens
		l.OutputTokens += u.Usage.OutputTokens
		l.CacheReadTokens += u.Usage.CacheReadTokens
		l.CacheWriteTokens += u.Usage.CacheCreation5mTokens + u.Usage.CacheCreation1hTokens
		x.recorded.Add(&x.recorded, ratOf(u.RecordedCostUSD))
		row, ok := prices.Lookup(u.Provider, u.Model, u.Day)
		if !ok {
			unpriced[u.Provider+"/"+u.Model] = true
			continue
		}
		p := Price(row, u.Usage, u.Batch)
		x.cost.Add(&x.cost, &p.Cost)
		x.caching.Add(&x.caching, &p.SavedCaching)
		x.batch.Add(&x.batch, &p.SavedBatch)
	}
	var total papersum.CostLine
	var uncachedTotal, hitsTotal int64
	for _, c := range runs {
		total.Runs += c.Runs
		total.CachedRuns += c.Cached
		total.CacheHits += c.CacheHits
		uncachedTotal += c.Runs - c.Cached
		hitsTotal += c.CacheHits
		if by.StageLevel() {
			continue
		}
		l, _ := line(groupOf(by, c.Group, c.Day))
		l.Runs += c.Runs
		l.CachedRuns += c.Cached
		l.CacheHits += c.CacheHits
	}
	// The result cache's saving: each hit would have cost a mean
	// uncached run of its group, or of the window when the group has
	// none (a team whose every run was a hit).
	var windowCost big.Rat
	for _, x := range exact {
		windowCost.Add(&windowCost, &x.cost)
	}
	for g, l := range lines {
		x := exact[g]
		hits, uncached, cost := l.CacheHits, l.Runs-l.CachedRuns, &x.cost
		if by.StageLevel() {
			hits, uncached = hitsTotal, uncachedTotal
		} else if uncached == 0 {
			uncached, cost = uncachedTotal, &windowCost
		}
		if hits > 0 && uncached > 0 {
			x.resultCache.Mul(cost, big.NewRat(hits, uncached))
		}
	}
	rep := &papersum.CostReport{By: by, Team: q.Window.Team, Groups: []papersum.CostLine{}}
	if !q.Window.Since.IsZero() {
		t := q.Window.Since.UTC()
		rep.Since = &t
	}
	if !q.Window.Until.IsZero() {
		t := q.Window.Until.UTC()
		rep.Until = &t
	}
	var tx exactLine
	for g, l := range lines {
		x := exact[g]
		setMoney(l, x)
		for _, p := range [][2]*big.Rat{{&tx.cost, &x.cost}, {&tx.recorded, &x.recorded}, {&tx.caching, &x.caching}, {&tx.batch, &x.batch}, {&tx.resultCache, &x.resultCache}} {
			p[0].Add(p[0], p[1])
		}
		total.Stages += l.Stages
		total.InputTokens += l.InputTokens
		total.OutputTokens += l.OutputTokens
		total.CacheReadTokens += l.CacheReadTokens
		total.CacheWriteTokens += l.CacheWriteTokens
		rep.Groups = append(rep.Groups, *l)
	}
	setMoney(&total, &tx)
	rep.Total = total
	sort.Slice(rep.Groups, func(i, j int) bool { return rep.Groups[i].Group < rep.Groups[j].Group })
	for m := range unpriced {
		rep.Unpriced = append(rep.Unpriced, m)
	}
	sort.Strings(rep.Unpriced)
	return rep
}

// setMoney rounds x's exact sums into l, once each.
func setMoney(l *papersum.CostLine, x *exactLine) {
	l.CostUSD, _ = x.cost.Float64()
	l.RecordedCostUSD, _ = x.recorded.Float64()
	l.SavedCachingUSD, _ = x.caching.Float64()
	l.SavedBatchUSD, _ = x.batch.Float64()
	l.SavedResultCacheUSD, _ = x.resultCache.Float64()
}
