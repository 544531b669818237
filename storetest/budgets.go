package storetest

import (
	"context"
	"math"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

// testBudgets: budgets are put (replacing one of the same scope, ID and
// period), listed in order with their default thresholds, deleted (with
// ENOTFOUND for none), refused when invalid; a threshold is marked first
// once per period, also when many callers race for it.
func testBudgets(t *testing.T, s papersum.Store) {
	bs, ok := s.(papersum.BudgetStore)
	if !ok {
		t.Skip("store does not keep budgets")
	}
	ctx := context.Background()
	at := time.Date(2026, 12, 7, 9, 30, 0, 0, zone)
	got, err := bs.ListBudgets(ctx)
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("empty store lists %d budgets", len(got))
	}
	team := &papersum.Budget{Scope: papersum.BudgetTeam, ID: "research-" + unicode[:4], Period: papersum.BudgetMonth, LimitUSD: 250.5, CreatedAt: at}
	key := &papersum.Budget{Scope: papersum.BudgetKey, ID: "key_1", Period: papersum.BudgetDay, LimitUSD: 3.25, Thresholds: []int{90, 10, 90}, CreatedAt: at}
	must(t, bs.PutBudget(ctx, team))
	must(t, bs.PutBudget(ctx, key))
	// Replaced: same scope, ID and period.
	again := *team
	again.LimitUSD, again.Thresholds = 300, []int{}
	must(t, bs.PutBudget(ctx, &again))
	got, err = bs.ListBudgets(ctx)
	must(t, err)
	want := []*papersum.Budget{
		{Scope: papersum.BudgetKey, ID: "key_1", Period: papersum.BudgetDay, LimitUSD: 3.25, Thresholds: []int{10, 90}, CreatedAt: at.UTC()},
		{Scope: papersum.BudgetTeam, ID: team.ID, Period: papersum.BudgetMonth, LimitUSD: 300, Thresholds: []int{}, CreatedAt: at.UTC()},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("budgets:\n got %+v %+v\nwant %+v %+v", got[0], got[len(got)-1], want[0], want[1])
	}
	daily := *team
	daily.Period = papersum.BudgetDay
	must(t, bs.PutBudget(ctx, &daily))
	got, err = bs.ListBudgets(ctx)
	must(t, err)
	if len(got) != 3 || !reflect.DeepEqual(got[1].Thresholds, papersum.DefaultBudgetThresholds) {
		t.Fatalf("a day budget next to the month's: %d budgets, thresholds %v", len(got), got[1].Thresholds)
	}

	for _, mut := range []func(b *papersum.Budget){
		func(b *papersum.Budget) { b.Scope = "user" },
		func(b *papersum.Budget) { b.ID = "" },
		func(b *papersum.Budget) { b.Period = "week" },
		func(b *papersum.Budget) { b.LimitUSD = 0 },
		func(b *papersum.Budget) { b.LimitUSD = math.NaN() },
		func(b *papersum.Budget) { b.Thresholds = []int{101} },
		func(b *papersum.Budget) { b.CreatedAt = time.Time{} },
	} {
		b := *key
		mut(&b)
		wantCode(t, bs.PutBudget(ctx, &b), papersum.EINVALID)
	}

	// Thresholds: first once per budget, period and threshold.
	start := papersum.BudgetDay.Start(at)
	mark := func(id string, period papersum.BudgetPeriod, ps time.Time, th int) bool {
		t.Helper()
		first, err := bs.MarkBudgetThreshold(ctx, papersum.BudgetKey, id, period, ps, th)
		must(t, err)
		return first
	}
	if !mark("key_1", papersum.BudgetDay, start, 50) || mark("key_1", papersum.BudgetDay, start, 50) {
		t.Fatal("threshold 50 is not first exactly once")
	}
	if !mark("key_1", papersum.BudgetDay, start, 80) || !mark("key_1", papersum.BudgetDay, start.AddDate(0, 0, 1), 50) ||
		!mark("key_2", papersum.BudgetDay, start, 50) || !mark("key_1", papersum.BudgetMonth, start, 50) {
		t.Fatal("another threshold, period, key or period kind is not first")
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		firsts int
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first, err := bs.MarkBudgetThreshold(ctx, papersum.BudgetKey, "key_1", papersum.BudgetDay, start, 95)
			if err != nil {
				t.Error(err)
			}
			if first {
				mu.Lock()
				firsts++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firsts != 1 {
		t.Fatalf("8 racing marks: %d were first, want 1", firsts)
	}

	// Delete: the budget and its marks go.
	must(t, bs.DeleteBudget(ctx, papersum.BudgetKey, "key_1", papersum.BudgetDay))
	wantCode(t, bs.DeleteBudget(ctx, papersum.BudgetKey, "key_1", papersum.BudgetDay), papersum.ENOTFOUND)
	wantCode(t, bs.DeleteBudget(ctx, papersum.BudgetTeam, team.ID, "week"), papersum.ENOTFOUND)
	if !mark("key_1", papersum.BudgetDay, start, 50) {
		t.Fatal("a deleted budget's threshold marks are kept")
	}
	got, err = bs.ListBudgets(ctx)
	must(t, err)
	if len(got) != 2 {
		t.Fatalf("after delete: %d budgets, want 2", len(got))
	}
}
