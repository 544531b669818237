package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

// cacheHit is a cache hit as the service records it: a finished cached
// run of team at at.
func cacheHit(id, paperID, team string, at time.Time) *papersum.Run {
	r := newRun(id, paperID, at)
	r.Status, r.Cached, r.Team = papersum.RunSucceeded, true, team
	r.ConfigHash = "sha256:hit-config"
	r.Summary = "the cached summary"
	r.Scores = &papersum.Scores{Accuracy: 8, Completeness: 7, Clarity: 9, Coherence: 8}
	fin := at
	r.FinishedAt = &fin
	return r
}

// teamRuns lists every run of team.
func teamRuns(t *testing.T, s papersum.Store, team string) []*papersum.Run {
	t.Helper()
	runs, err := s.ListRuns(context.Background(), papersum.RunFilter{Team: team, Limit: 1000})
	must(t, err)
	return runs
}

// testRecordCacheHits: the first hit of a key stores a run; every later
// hit of the key, one by one or many in one call, counts on it, so that N
// identical hits are one row. Another team, title, callback or
// configuration is another key and another row.
func testRecordCacheHits[TTx any](t *testing.T, s jobStore[TTx], _ Options[TTx]) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:hits")
	at := time.Date(2026, 4, 1, 2, 3, 4, 5, zone)

	first := cacheHit("run-hit-1", p.ID, "team-a", at)
	first.User, first.KeyID = "ada", "key-ada"
	must(t, s.RecordCacheHits(ctx, []*papersum.Run{first}))
	if first.ID != "run-hit-1" || first.CacheHits != 1 || first.LastHitAt == nil || !first.LastHitAt.Equal(at) || first.CreatedAt.IsZero() {
		t.Fatalf("first hit: ID %s, hits %d, last hit %v", first.ID, first.CacheHits, first.LastHitAt)
	}
	wantUTC(t, first)
	got, err := s.GetRun(ctx, first.ID)
	must(t, err)
	diffRun(t, got, first)

	// A later hit of the same key, by another user of the team, is
	// answered with the first run: nothing new is stored.
	second := cacheHit("run-hit-2", p.ID, "team-a", at.Add(time.Minute))
	second.User, second.KeyID = "bob", "key-bob"
	must(t, s.RecordCacheHits(ctx, []*papersum.Run{second}))
	if second.ID != first.ID || second.CacheHits != 2 || !second.LastHitAt.Equal(at.Add(time.Minute)) ||
		!second.CreatedAt.Equal(at) || second.User != "ada" || second.KeyID != "key-ada" {
		t.Fatalf("second hit: %+v", second)
	}
	wantNoRun(t, s, "run-hit-2")

	// Many hits of the key in one call (a group commit) and one by one.
	const n = 50
	var group []*papersum.Run
	for i := range n {
		group = append(group, cacheHit(fmt.Sprintf("run-hit-g%d", i), p.ID, "team-a", at.Add(time.Duration(2+i)*time.Minute)))
	}
	must(t, s.RecordCacheHits(ctx, group))
	for i, h := range group {
		if h.ID != first.ID {
			t.Fatalf("hit %d of the group: ID %s, want %s", i, h.ID, first.ID)
		}
	}
	if last := group[n-1]; last.CacheHits != 2+n {
		t.Fatalf("after the group: %d hits, want %d", last.CacheHits, 2+n)
	}
	for i := range n {
		must(t, s.RecordCacheHits(ctx, []*papersum.Run{cacheHit(fmt.Sprintf("run-hit-s%d", i), p.ID, "team-a", at.Add(time.Second))}))
	}
	got, err = s.GetRun(ctx, first.ID)
	must(t, err)
	// LastHitAt keeps the latest hit, also when a later call brings an
	// earlier time.
	if got.CacheHits != 2+2*n || !got.LastHitAt.Equal(at.Add(time.Duration(1+n)*time.Minute)) {
		t.Fatalf("after %d hits: %d counted, last hit %v", 2+2*n, got.CacheHits, got.LastHitAt)
	}
	if runs := teamRuns(t, s, "team-a"); len(runs) != 1 {
		t.Fatalf("%d hits of one key stored %d runs, want 1", 2+2*n, len(runs))
	}

	// Another team never gets team A's run: it gets its own.
	other := cacheHit("run-hit-b", p.ID, "team-b", at)
	must(t, s.RecordCacheHits(ctx, []*papersum.Run{other}))
	if other.ID != "run-hit-b" || other.CacheHits != 1 || other.Team != "team-b" {
		t.Fatalf("team B's hit: %+v", other)
	}
	// So do another title, callback URL, configuration name or hash and
	// length: what the caller chose is part of the answer.
	variants := map[string]func(r *papersum.Run){
		"title":    func(r *papersum.Run) { r.Title = "Another title" },
		"callback": func(r *papersum.Run) { r.CallbackURL = "https://hooks.example.test/x" },
		"config":   func(r *papersum.Run) { r.Config = "claude" },
		"hash":     func(r *papersum.Run) { r.ConfigHash = "sha256:other" },
		"words":    func(r *papersum.Run) { r.TargetWords = 100 },
	}
	for name, edit := range variants {
		for i := range 2 {
			r := cacheHit(fmt.Sprintf("run-hit-%s-%d", name, i), p.ID, "team-c", at)
			edit(r)
			must(t, s.RecordCacheHits(ctx, []*papersum.Run{r}))
			if want := fmt.Sprintf("run-hit-%s-0", name); r.ID != want || r.CacheHits != i+1 {
				t.Errorf("%s, hit %d: ID %s with %d hits, want %s with %d", name, i, r.ID, r.CacheHits, want, i+1)
			}
		}
	}
	if runs := teamRuns(t, s, "team-c"); len(runs) != len(variants) {
		t.Errorf("team C: %d runs, want %d", len(runs), len(variants))
	}
	// A run that is not a hit is not counted by a hit's key.
	plain := newRun("run-hit-plain", p.ID, at)
	plain.Team = "team-d"
	must(t, s.CreateRun(ctx, plain))
	d := cacheHit("run-hit-d", p.ID, "team-d", at)
	must(t, s.RecordCacheHits(ctx, []*papersum.Run{d}))
	if d.ID != "run-hit-d" || d.CacheHits != 1 {
		t.Errorf("team D's first hit: %s with %d hits", d.ID, d.CacheHits)
	}
	if got, err := s.GetRun(ctx, plain.ID); err != nil || got.CacheHits != 0 || got.LastHitAt != nil {
		t.Errorf("a plain run after a hit: %+v, %v", got, err)
	}
}

// testRecordCacheHitsErrors: a bad hit in a call stores none of the call
// and counts nothing.
func testRecordCacheHitsErrors[TTx any](t *testing.T, s jobStore[TTx], _ Options[TTx]) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:hit-errors")
	at := time.Date(2026, 4, 2, 0, 0, 0, 0, zone)
	base := cacheHit("run-he-base", p.ID, "team-e", at)
	must(t, s.RecordCacheHits(ctx, []*papersum.Run{base}))

	notCached := cacheHit("run-he-plain", p.ID, "team-e2", at)
	notCached.Cached = false
	noSummary := cacheHit("run-he-nosum", p.ID, "team-e3", at)
	noSummary.Summary = ""
	taken := cacheHit(base.ID, p.ID, "team-e4", at) // a new key with an ID that exists
	for name, tc := range map[string]struct {
		bad  *papersum.Run
		code string
	}{
		"not cached":       {notCached, papersum.EINVALID},
		"no summary":       {noSummary, papersum.EINVALID},
		"paper not stored": {cacheHit("run-he-nopaper", "sha256:nowhere", "team-e5", at), papersum.ENOTFOUND},
		"ID exists":        {taken, papersum.ECONFLICT},
	} {
		t.Run(name, func(t *testing.T) {
			again := cacheHit("run-he-again", p.ID, "team-e", at.Add(time.Hour))
			fresh := cacheHit("run-he-fresh", p.ID, "team-e6", at)
			wantCode(t, s.RecordCacheHits(ctx, []*papersum.Run{again, fresh, tc.bad}), tc.code)
			wantNoRun(t, s, "run-he-fresh", "run-he-again")
			got, err := s.GetRun(ctx, base.ID)
			must(t, err)
			if got.CacheHits != 1 || !got.LastHitAt.Equal(at) {
				t.Fatalf("a failed call counted a hit: %d, last %v", got.CacheHits, got.LastHitAt)
			}
			if again.ID != "run-he-again" || again.CacheHits != 0 {
				t.Fatalf("a failed call changed the caller's hit: %s %d", again.ID, again.CacheHits)
			}
		})
	}
	wantCode(t, s.RecordCacheHits(ctx, nil), papersum.EINVALID)
}

// testRecordCacheHitsConcurrent: hits of one key from many goroutines at
// once agree on one run and count every hit.
func testRecordCacheHitsConcurrent[TTx any](t *testing.T, s jobStore[TTx], _ Options[TTx]) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:hits-concurrent")
	at := time.Date(2026, 4, 3, 0, 0, 0, 0, zone)
	const workers, each = 8, 10
	ids := make([][]string, workers)
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				// Two keys in opposite orders: a store that locks keys in
				// the order given would deadlock here.
				a := cacheHit(fmt.Sprintf("run-hc-%d-%d-a", w, i), p.ID, "team-x", at)
				b := cacheHit(fmt.Sprintf("run-hc-%d-%d-b", w, i), p.ID, "team-y", at)
				hits := []*papersum.Run{a, b}
				if w%2 == 1 {
					hits = []*papersum.Run{b, a}
				}
				if err := s.RecordCacheHits(ctx, hits); err != nil {
					errs <- err
					continue
				}
				ids[w] = append(ids[w], a.ID)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent hits: %v", err)
	}
	for _, team := range []string{"team-x", "team-y"} {
		runs := teamRuns(t, s, team)
		if len(runs) != 1 || runs[0].CacheHits != workers*each {
			t.Fatalf("%s: %d runs (hits %v), want 1 run with %d hits", team, len(runs), hitCounts(runs), workers*each)
		}
	}
	want := ids[0][0]
	for _, list := range ids {
		for _, id := range list {
			if id != want {
				t.Fatalf("hits answered with %s and %s", want, id)
			}
		}
	}
}

func hitCounts(runs []*papersum.Run) []int {
	out := make([]int, len(runs))
	for i, r := range runs {
		out[i] = r.CacheHits
	}
	return out
}
