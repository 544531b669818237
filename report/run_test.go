package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/runtest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestWriteRunGolden(t *testing.T) {
	for _, status := range []papersum.RunStatus{papersum.RunSucceeded, papersum.RunFailed, papersum.RunQueued} {
		for _, format := range []string{FormatText, FormatMarkdown} {
			name := string(status) + "." + format
			t.Run(name, func(t *testing.T) {
				var buf bytes.Buffer
				if err := WriteRun(&buf, runtest.Sample(status), format); err != nil {
					t.Fatal(err)
				}
				golden := filepath.Join("testdata", name+".golden")
				if *update {
					if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./report -update to create it)", err)
				}
				if !bytes.Equal(buf.Bytes(), want) {
					t.Errorf("output differs from %s:\n%s", golden, buf.String())
				}
			})
		}
	}
}

func TestUnknownFormat(t *testing.T) {
	err := WriteRun(&bytes.Buffer{}, runtest.Sample(papersum.RunSucceeded), "yaml")
	if papersum.ErrorCode(err) != papersum.EINVALID {
		t.Fatalf("err %v", err)
	}
}

// TestMoneyOnePrecision: every amount has the same six decimals, so that
// cost columns line up (the table once mixed "$0", "$0.000123" and "$0.0123").
func TestMoneyOnePrecision(t *testing.T) {
	for usd, want := range map[float64]string{0: "$0.000000", 0.000123: "$0.000123", 0.0123: "$0.012300", 0.5: "$0.500000", 12.3456789: "$12.345679"} {
		if got := Money(usd); got != want {
			t.Errorf("Money(%g) = %q, want %q", usd, got, want)
		}
	}
}
