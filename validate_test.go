package papersum

import (
	"math"
	"testing"
	"time"
)

func TestScoresFiniteAndClassValid(t *testing.T) {
	if !(*Scores)(nil).Finite() || !(&Scores{Accuracy: 8}).Finite() || (&Scores{Clarity: math.NaN()}).Finite() ||
		(&Scores{Coherence: math.Inf(1)}).Finite() {
		t.Error("Scores.Finite")
	}
	if !Class("").Valid() || !ClassParse.Valid() || Class("weird").Valid() {
		t.Error("Class.Valid")
	}
}

func TestRunValidateNewStates(t *testing.T) {
	done := time.Unix(1, 0)
	for _, tc := range []struct {
		name string
		run  Run
		want RunStatus // "" for EINVALID
	}{
		{"default running", Run{}, RunRunning},
		{"running", Run{Status: RunRunning}, RunRunning},
		{"queued", Run{Status: RunQueued}, RunQueued},
		{"cached", Run{Status: RunSucceeded, Cached: true, Summary: "s", FinishedAt: &done}, RunSucceeded},
		{"succeeded, not cached", Run{Status: RunSucceeded, Summary: "s"}, ""},
		{"cached, no summary", Run{Status: RunSucceeded, Cached: true}, ""},
		{"cached with hits", Run{Status: RunSucceeded, Cached: true, Summary: "s", CacheHits: 3}, RunSucceeded},
		{"negative hits", Run{Status: RunSucceeded, Cached: true, Summary: "s", CacheHits: -1}, ""},
		{"hits, not cached", Run{Status: RunQueued, CacheHits: 1}, ""},
		{"cached with stages", Run{Status: RunSucceeded, Cached: true, Summary: "s", Stages: make([]StageResult, 1)}, ""},
		{"cached but queued", Run{Status: RunQueued, Cached: true, Summary: "s"}, ""},
		{"queued with stages", Run{Status: RunQueued, Stages: make([]StageResult, 1)}, ""},
		{"running with finish", Run{FinishedAt: &done}, ""},
		{"failed", Run{Status: RunFailed, Error: "x"}, ""},
		{"canceled", Run{Status: RunCanceled}, ""},
	} {
		r := tc.run
		r.ID, r.PaperID = "r", "p"
		got, err := r.ValidateNew()
		if got != tc.want || (tc.want == "") != (ErrorCode(err) == EINVALID) {
			t.Errorf("%s: ValidateNew = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

func TestDeliveryValidate(t *testing.T) {
	ok := Delivery{WebhookID: "w", BatchID: "b", URL: "https://x", Attempt: 1, Status: 200}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(d *Delivery){
		"no webhook":    func(d *Delivery) { d.WebhookID = "" },
		"no URL":        func(d *Delivery) { d.URL = "" },
		"no target":     func(d *Delivery) { d.BatchID = "" },
		"attempt":       func(d *Delivery) { d.Attempt = -1 },
		"status":        func(d *Delivery) { d.Status = -1 },
		"duration":      func(d *Delivery) { d.Duration = -1 },
		"status > 999 ": func(d *Delivery) { d.Status = 1000 },
	} {
		d := ok
		mutate(&d)
		if err := d.Validate(); ErrorCode(err) != EINVALID {
			t.Errorf("%s: Validate = %v", name, err)
		}
	}
	if err := (*Delivery)(nil).Validate(); ErrorCode(err) != EINVALID {
		t.Errorf("nil: Validate = %v", err)
	}
}

// TestValidateRules runs each rule that the stores share once, on a value
// it accepts and on values it refuses; storetest runs them through both
// stores.
func TestValidateRules(t *testing.T) {
	stage := func(mut func(*StageResult)) error {
		r := StageResult{Stage: StageCritique, Critique: &Critique{}}
		mut(&r)
		return r.Validate()
	}
	finish := func(mut func(*Run)) error {
		r := Run{ID: "r", Status: RunFailed, Error: "boom", ErrorClass: ClassOverloaded}
		mut(&r)
		return r.ValidateFinish()
	}
	sub := func(mut func(*Submission)) error {
		s := Submission{Runs: []*Run{{ID: "r", PaperID: "p", Status: RunQueued, BatchID: "b"}}, Batch: &SubmissionBatch{ID: "b"},
			IdempotencyKey: "k", RequestHash: "h"}
		mut(&s)
		return s.Validate()
	}
	key := func(mut func(*APIKey)) error {
		k := APIKey{ID: "k", Team: "t", User: "u", Scope: ScopeRead}
		mut(&k)
		return k.Validate()
	}
	wait := func(mut func(*RunWait)) error {
		w := RunWait{Class: ClassOverloaded, Reason: "529", NextAttemptAt: time.Unix(60, 0), Deadline: time.Unix(3600, 0)}
		mut(&w)
		return w.Validate("r")
	}
	nan := math.NaN()
	for name, tc := range map[string]struct {
		err   error
		valid bool
	}{
		"stage ok":               {stage(func(*StageResult) {}), true},
		"stage unknown":          {stage(func(r *StageResult) { r.Stage = "polish" }), false},
		"stage negative tokens":  {stage(func(r *StageResult) { r.Usage.CacheReadTokens = -1 }), false},
		"stage NaN cost":         {stage(func(r *StageResult) { r.CostUSD = nan }), false},
		"stage negative cost":    {stage(func(r *StageResult) { r.CostUSD = -0.01 }), false},
		"stage latency":          {stage(func(r *StageResult) { r.Latency = -1 }), false},
		"stage critique NaN":     {stage(func(r *StageResult) { r.Critique.Scores.Clarity = nan }), false},
		"nil stage":              {(*StageResult)(nil).Validate(), false},
		"finish ok":              {finish(func(*Run) {}), true},
		"finish succeeded":       {finish(func(r *Run) { r.Status, r.Error = RunSucceeded, "" }), true},
		"finish canceled":        {finish(func(r *Run) { r.Status = RunCanceled }), false},
		"finish failed no why":   {finish(func(r *Run) { r.Error = "" }), false},
		"finish unknown class":   {finish(func(r *Run) { r.ErrorClass = "weird" }), false},
		"finish no ID":           {finish(func(r *Run) { r.ID = "" }), false},
		"submission ok":          {sub(func(*Submission) {}), true},
		"submission no runs":     {sub(func(s *Submission) { s.Runs = nil }), false},
		"submission no hash":     {sub(func(s *Submission) { s.RequestHash = "" }), false},
		"submission running":     {sub(func(s *Submission) { s.Runs[0].Status = RunRunning }), false},
		"submission other batch": {sub(func(s *Submission) { s.Runs[0].BatchID = "c" }), false},
		"submission twice":       {sub(func(s *Submission) { s.Runs = append(s.Runs, s.Runs[0]) }), false},
		"submission key, 2 runs": {sub(func(s *Submission) {
			s.Batch, s.Runs[0].BatchID = nil, ""
			s.Runs = append(s.Runs, &Run{ID: "r2", PaperID: "p", Status: RunQueued})
		}), false},
		"key ok":          {key(func(*APIKey) {}), true},
		"key no team":     {key(func(k *APIKey) { k.Team = "" }), false},
		"key bad scope":   {key(func(k *APIKey) { k.Scope = "root" }), false},
		"abandoned ok":    {AbandonedCalls{Stage: StageRevise, Model: "m", Calls: 1}.Validate("r"), true},
		"abandoned zero":  {AbandonedCalls{Stage: StageRevise, Model: "m"}.Validate("r"), false},
		"abandoned no ID": {AbandonedCalls{Stage: StageRevise, Model: "m", Calls: 1}.Validate(""), false},
		"repeated ok":     {ValidateRepeatedCalls("r", 1), true},
		"repeated zero":   {ValidateRepeatedCalls("r", 0), false},
		"repeated no ID":  {ValidateRepeatedCalls("", 2), false},
		"wait ok":         {wait(func(*RunWait) {}), true},
		"wait parse":      {wait(func(w *RunWait) { w.Class = ClassParse }), false},
		"wait no class":   {wait(func(w *RunWait) { w.Class = "" }), false},
		"wait no next":    {wait(func(w *RunWait) { w.NextAttemptAt = time.Time{} }), false},
		"wait no end":     {wait(func(w *RunWait) { w.Deadline = time.Time{} }), false},
		"batch ok":        {(&ProviderBatch{JobID: "j", Stage: StageSummarize, Provider: "p", BatchID: "b"}).Validate(), true},
		"batch no stage":  {(&ProviderBatch{JobID: "j", Provider: "p", BatchID: "b"}).Validate(), false},
		"paper ok":        {(&Paper{ID: "sha256:x"}).Validate(), true},
		"paper no ID":     {(&Paper{}).Validate(), false},
		"filter ok":       {RunFilter{Status: RunCanceled, Limit: 5}.Validate(), true},
		"filter status":   {RunFilter{Status: "cancelled"}.Validate(), false},
		"filter limit":    {RunFilter{Limit: -1}.Validate(), false},
	} {
		if tc.valid != (tc.err == nil) || (!tc.valid && ErrorCode(tc.err) != EINVALID) {
			t.Errorf("%s: %v", name, tc.err)
		}
	}
}
