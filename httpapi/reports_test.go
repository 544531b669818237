package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

// fakeReporter answers a report with one line per team of its data,
// filtered by the query's team, and keeps the last query.
type fakeReporter struct {
	mu   sync.Mutex
	last papersum.CostReportQuery
	data map[string]float64
}

func (f *fakeReporter) CostReport(_ context.Context, q papersum.CostReportQuery) (*papersum.CostReport, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.last = q
	rep := &papersum.CostReport{By: q.By, Team: q.Window.Team, Groups: []papersum.CostLine{}}
	for team, cost := range f.data {
		if q.Window.Team == "" || q.Window.Team == team {
			rep.Groups = append(rep.Groups, papersum.CostLine{Group: team, Runs: 1, CostUSD: cost})
			rep.Total.Runs++
			rep.Total.CostUSD += cost
		}
	}
	return rep, nil
}

func TestCostReportTeamIsolation(t *testing.T) {
	rep := &fakeReporter{data: map[string]float64{"team-a": 1.5, "team-b": 2.25}}
	e := newEnv(t, func(d *Deps) { d.CostReports = rep })
	other, _, err := e.auth.Issue(context.Background(), "team-b", "bo", papersum.ScopeRead, 0)
	if err != nil {
		t.Fatal(err)
	}
	get := func(target, key string) (*papersum.CostReport, int) {
		w := e.do(req("GET", target, key, "", nil))
		if w.Code != http.StatusOK {
			return nil, w.Code
		}
		var got papersum.CostReport
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		return &got, w.Code
	}
	// A team key sees only its own team, whatever it asks.
	got, _ := get("/api/v1/reports/cost?by=team&since=2026-11-01&until=2026-12-01", e.read)
	if len(got.Groups) != 1 || got.Groups[0].Group != "team-a" || got.Total.CostUSD != 1.5 {
		t.Fatalf("team-a key got %+v", got)
	}
	if rep.last.By != papersum.ByTeam || !rep.last.Window.Since.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) ||
		!rep.last.Window.Until.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("query %+v", rep.last)
	}
	got, _ = get("/api/v1/reports/cost", other)
	if len(got.Groups) != 1 || got.Groups[0].Group != "team-b" {
		t.Fatalf("team-b key got %+v", got)
	}
	wantError(t, e.do(req("GET", "/api/v1/reports/cost?team=team-b", e.write, "", nil)), http.StatusForbidden, "forbidden")
	// The admin sees every team, or the one it names.
	got, _ = get("/api/v1/reports/cost?by=model", e.admin)
	if len(got.Groups) != 2 || got.Total.CostUSD != 3.75 || rep.last.By != papersum.ByModel {
		t.Fatalf("admin got %+v", got)
	}
	got, _ = get("/api/v1/reports/cost?team=team-b", e.admin)
	if len(got.Groups) != 1 || got.Groups[0].Group != "team-b" {
		t.Fatalf("admin for team-b got %+v", got)
	}
	// Bad input is a 400; no key a 401.
	wantError(t, e.do(req("GET", "/api/v1/reports/cost?by=planet", e.read, "", nil)), http.StatusBadRequest, "invalid_request")
	wantError(t, e.do(req("GET", "/api/v1/reports/cost?since=yesterday", e.read, "", nil)), http.StatusBadRequest, "invalid_request")
	wantError(t, e.do(req("GET", "/api/v1/reports/cost?color=red", e.read, "", nil)), http.StatusBadRequest, "invalid_request")
	if _, code := get("/api/v1/reports/cost", ""); code != http.StatusUnauthorized {
		t.Fatalf("no key: %d, want 401", code)
	}
}

func TestCostReportDisabled(t *testing.T) {
	e := newEnv(t)
	wantError(t, e.do(req("GET", "/api/v1/reports/cost", e.read, "", nil)), http.StatusNotFound, "not_found")
}
