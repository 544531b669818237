package telemetry

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/papersum/papersum"
)

func TestNewLogger(t *testing.T) {
	var buf bytes.Buffer
	l, err := NewLogger(&buf, "warn", "json")
	if err != nil {
		t.Fatal(err)
	}
	l.Info("dropped")
	l.Warn("kept", "run_id", "r1")
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("not one JSON record: %q", buf.String())
	}
	if rec["msg"] != "kept" || rec["run_id"] != "r1" || rec["level"] != "WARN" {
		t.Errorf("record %v", rec)
	}

	buf.Reset()
	l, err = NewLogger(&buf, "DEBUG", "Text")
	if err != nil {
		t.Fatal(err)
	}
	l.Debug("hello", "k", "v")
	if !strings.Contains(buf.String(), "level=DEBUG msg=hello k=v") {
		t.Errorf("text output %q", buf.String())
	}

	for _, c := range [][2]string{{"verbose", "json"}, {"info", "xml"}, {"", "json"}} {
		if _, err := NewLogger(&buf, c[0], c[1]); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("NewLogger(%q, %q): err = %v, want EINVALID", c[0], c[1], err)
		}
	}
}
