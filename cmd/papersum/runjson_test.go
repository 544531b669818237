package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/papersum/papersum/httpapi"
	"github.com/papersum/papersum/sqlite"
)

// TestRunJSONIsTheAPIShape: summarize and runs show print a run as the
// API's body for it (httpapi.RunJSON), byte for byte, so that a script
// reads one shape from the CLI and the API.
func TestRunJSONIsTheAPIShape(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	paper := strings.Repeat("Parsers turn sentences into trees. Dependency parsers link words to their heads. "+
		"Our parser is fast and accurate on the treebank. ", 3)
	sum := cli(t, db, paper, "summarize", "--words", "30", "--format", "json", "-")
	if sum.err != nil {
		t.Fatalf("summarize: %v\n%s", sum.err, sum.stderr)
	}
	var printed httpapi.RunJSON
	if err := json.Unmarshal([]byte(sum.stdout), &printed); err != nil {
		t.Fatalf("summarize output is not a RunJSON: %v\n%s", err, sum.stdout)
	}
	show := cli(t, db, "", "runs", "show", "--format", "json", printed.ID)
	if show.err != nil || show.stdout != sum.stdout {
		t.Fatalf("runs show differs from summarize (%v):\n%s\nwant\n%s", show.err, show.stdout, sum.stdout)
	}

	store, err := sqlite.Open(context.Background(), db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	run, err := store.GetRun(context.Background(), printed.ID)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := writeJSON(&want, httpapi.NewRunJSON(run)); err != nil {
		t.Fatal(err)
	}
	if show.stdout != want.String() {
		t.Errorf("runs show is not the API's shape:\n%s\nwant\n%s", show.stdout, want.String())
	}
	if printed.Schema != httpapi.SchemaRun {
		t.Errorf("schema %q, want %q", printed.Schema, httpapi.SchemaRun)
	}
}
