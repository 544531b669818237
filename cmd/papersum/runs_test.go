package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/sqlite"
)

// A run waiting in the queue for its model provider shows as queued, with
// why and until when, in `runs list` (text and JSON) and `runs show`
// (text and JSON), never as running; a finished run's repeated calls are
// said.
func TestRunsShowWaitingRun(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "p.db")
	store, err := sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	paper := &papersum.Paper{ID: "sha256:waiting", Title: "Waiting paper", Sections: []papersum.Section{{Title: "A", Sentences: []string{"One."}}}}
	if err := store.PutPaper(ctx, paper); err != nil {
		t.Fatal(err)
	}
	run := &papersum.Run{ID: "run_waiting", PaperID: paper.ID, Title: paper.Title, Status: papersum.RunQueued,
		ConfigHash: "cfg", TargetWords: 150, CreatedAt: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
	if err := store.CreateRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	if _, err := store.StartRun(ctx, run.ID); err != nil {
		t.Fatal(err)
	}
	next := time.Date(2026, 12, 7, 10, 5, 0, 0, time.UTC)
	w := papersum.RunWait{Class: papersum.ClassConnection, Reason: "summarize: connection from anthropic: connection failed",
		NextAttemptAt: next, Deadline: next.Add(time.Hour)}
	if err := store.WaitRun(ctx, run.ID, w); err != nil {
		t.Fatal(err)
	}
	store.Close()

	list := cli(t, db, "", "runs", "list")
	wantStatus := "queued (waiting: connection, next " + next.Local().Format("15:04:05") + ")"
	if list.err != nil || !strings.Contains(list.stdout, wantStatus) || strings.Contains(list.stdout, "running") {
		t.Errorf("runs list (%v):\n%s\nwant the status %q", list.err, list.stdout, wantStatus)
	}
	listJSON := cli(t, db, "", "runs", "list", "--format", "json")
	var items []struct {
		Status  string            `json:"status"`
		Waiting *papersum.RunWait `json:"waiting"`
	}
	if err := json.Unmarshal([]byte(listJSON.stdout), &items); err != nil {
		t.Fatalf("%v: %s", err, listJSON.stdout)
	}
	if len(items) != 1 || items[0].Status != "queued" || items[0].Waiting == nil || items[0].Waiting.Class != papersum.ClassConnection ||
		!items[0].Waiting.NextAttemptAt.Equal(next) {
		t.Errorf("runs list --format json: %s", listJSON.stdout)
	}

	show := cli(t, db, "", "runs", "show", run.ID)
	if show.err != nil || !strings.Contains(show.stdout, "QUEUED: waiting for the model provider (connection)") ||
		!strings.Contains(show.stdout, "next attempt 2026-12-07T10:05:00Z, gives up at 2026-12-07T11:05:00Z") {
		t.Errorf("runs show (%v):\n%s", show.err, show.stdout)
	}
	showJSON := cli(t, db, "", "runs", "show", "--format", "json", run.ID)
	var got struct {
		Status  string            `json:"status"`
		Waits   int               `json:"waits"`
		Waiting *papersum.RunWait `json:"waiting"`
	}
	if err := json.Unmarshal([]byte(showJSON.stdout), &got); err != nil {
		t.Fatalf("%v: %s", err, showJSON.stdout)
	}
	if got.Status != "queued" || got.Waits != 1 || got.Waiting == nil || got.Waiting.Reason != w.Reason {
		t.Errorf("runs show --format json: %s", showJSON.stdout)
	}
}
