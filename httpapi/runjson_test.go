package httpapi

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/runtest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// encodeRun renders r as the CLI's --format json does and as encode sends
// it, but indented for a readable golden file.
func encodeRun(t *testing.T, r *papersum.Run) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(NewRunJSON(r)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRunJSONGolden(t *testing.T) {
	for _, status := range []papersum.RunStatus{papersum.RunSucceeded, papersum.RunFailed, papersum.RunQueued} {
		t.Run(string(status), func(t *testing.T) {
			got := encodeRun(t, runtest.Sample(status))
			golden := filepath.Join("testdata", "run_"+string(status)+".json.golden")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./httpapi -run TestRunJSONGolden -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s:\n%s", golden, got)
			}
		})
	}
}

// TestRunJSONIsStable checks what consumers rely on: the schema name, the
// weighted overall computed by papersum, and totals that add up.
func TestRunJSONIsStable(t *testing.T) {
	var got map[string]any
	if err := json.Unmarshal(encodeRun(t, runtest.Sample(papersum.RunSucceeded)), &got); err != nil {
		t.Fatal(err)
	}
	if got["schema"] != SchemaRun {
		t.Errorf("schema %v", got["schema"])
	}
	scores := got["scores"].(map[string]any)
	// 0.4*9 + 0.3*7.5 + 0.2*8 + 0.1*6.5 = 8.1
	if scores["overall"] != 8.1 {
		t.Errorf("overall %v", scores["overall"])
	}
	totals := got["totals"].(map[string]any)
	if totals["cost_usd"] != 0.00216 {
		t.Errorf("total cost %v", totals["cost_usd"])
	}
	if n := len(got["stages"].([]any)); n != 3 {
		t.Errorf("%d stages", n)
	}
}
