package rouge

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/papersum/papersum/internal/devdata"
)

// standin loads testdata/standin, small data files written for these tests
// in the formats of ROUGE's own (see testdata/README.md).
func standin(tb testing.TB) *Resources {
	tb.Helper()
	r, err := LoadResources(filepath.Join("testdata", "standin"))
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// realResources loads ROUGE-1.5.5's own data files from the development
// data beside the clone, or skips tb.
func realResources(tb testing.TB) *Resources {
	tb.Helper()
	r, err := LoadResources(devdata.RougeDir(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// realPreset is a preset with ROUGE's own data files, as the reference
// vectors were scored.
func realPreset(tb testing.TB, name string) Config {
	tb.Helper()
	cfg, err := Preset(name)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.Resources = realResources(tb)
	return cfg
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLoadResourcesLayouts reads the same files laid out flat, as
// ROUGE-1.5.5's data/ directory, and as the release directory above it.
func TestLoadResourcesLayouts(t *testing.T) {
	flat := standin(t)
	release := t.TempDir()
	data := filepath.Join(release, "data")
	copyFile(t, filepath.Join("testdata", "standin", StopwordFile), filepath.Join(data, StopwordFile))
	for _, name := range ExceptionFiles {
		copyFile(t, filepath.Join("testdata", "standin", name), filepath.Join(data, "WordNet-2.0-Exceptions", name))
	}
	for _, dir := range []string{data, release} {
		r, err := LoadResources(dir)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		if !reflect.DeepEqual(r.stopwords, flat.stopwords) || !reflect.DeepEqual(r.exceptions, flat.exceptions) {
			t.Errorf("%s: tables differ from the flat layout's", dir)
		}
		if r.Dir() != data {
			t.Errorf("Dir() = %q, want %q", r.Dir(), data)
		}
	}
	if len(flat.stopwords) != 31 || len(flat.exceptions) != 11 {
		t.Errorf("stand-ins: %d stopwords, %d exceptions; want 31 and 11", len(flat.stopwords), len(flat.exceptions))
	}
}

func TestLoadResourcesErrors(t *testing.T) {
	missing := t.TempDir()
	copyFile(t, filepath.Join("testdata", "standin", StopwordFile), filepath.Join(missing, StopwordFile))
	malformed := t.TempDir()
	for _, name := range append([]string{StopwordFile}, ExceptionFiles[:]...) {
		copyFile(t, filepath.Join("testdata", "standin", name), filepath.Join(malformed, name))
	}
	if err := os.WriteFile(filepath.Join(malformed, "verb.exc"), []byte("went go\nlonely\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		dir  string
		want []string
	}{
		{filepath.Join(missing, "nowhere"), []string{"no such file"}},
		{file, []string{"is not a directory"}},
		{t.TempDir(), []string{StopwordFile + " is missing", "WordNet-2.0-Exceptions"}},
		{missing, []string{"adj.exc is missing", "a directory with smart_common_words.txt, adj.exc"}},
		{malformed, []string{"verb.exc line 2", `"lonely"`}},
	} {
		r, err := LoadResources(c.dir)
		if err == nil || r != nil {
			t.Errorf("%s: no error", c.dir)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", c.dir, err, w)
			}
		}
	}
}

// TestNoResources: -m and -s cannot run without the data files, and say so;
// without them nothing is needed.
func TestNoResources(t *testing.T) {
	for _, flags := range []string{"-m", "-s", "-n 2 -m -s"} {
		cfg, err := ParseFlags(flags)
		if err != nil {
			t.Fatal(err)
		}
		if err := cfg.Validate(); !errors.Is(err, ErrNoResources) {
			t.Errorf("%s: Validate = %v, want ErrNoResources", flags, err)
		}
		if _, err := Evaluate([]string{"a"}, [][]string{{"a"}}, cfg); !errors.Is(err, ErrNoResources) {
			t.Errorf("%s: Evaluate = %v, want ErrNoResources", flags, err)
		}
		if _, err := NewScorer([][]string{{"a"}}, cfg); !errors.Is(err, ErrNoResources) {
			t.Errorf("%s: NewScorer = %v, want ErrNoResources", flags, err)
		}
		if _, err := Tokenize("a", cfg); !errors.Is(err, ErrNoResources) {
			t.Errorf("%s: Tokenize = %v, want ErrNoResources", flags, err)
		}
	}
	cfg, err := Preset("scitldr")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Evaluate([]string{"a b"}, [][]string{{"a b"}}, cfg); err != nil {
		t.Errorf("scitldr without data files: %v", err)
	}
}

// TestStandinRules checks -s and -m against the stand-in lists, whose
// entries were chosen for the rules they exercise.
func TestStandinRules(t *testing.T) {
	cfg := Config{Stem: true, RemoveStopwords: true, Resources: standin(t)}
	for in, want := range map[string][]string{
		"mice":          {"mouse"}, // exception, not stemmed again
		"mouse":         {"mous"},  // Porter
		"better best":   {"well", "well"},
		"worse":         {"bad"},   // only in adj.exc
		"leaves":        {"leave"}, // verb.exc overrides noun.exc
		"cacti":         {"cactus"},
		"geese spoken":  {"goose", "speak"},
		"ran runs":      {"ran", "run"}, // 3 bytes: never looked up
		"e.g. the data": {"e", "g", "data"},
		"What WENT up":  nil,
	} {
		got, err := Tokenize(in, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Tokenize(%q, -m -s) = %q, want %q", in, got, want)
		}
	}
	// -s alone removes, -m alone stems.
	if got, _ := Tokenize("the mice", Config{RemoveStopwords: true, Resources: cfg.Resources}); !reflect.DeepEqual(got, []string{"mice"}) {
		t.Errorf("-s: %q", got)
	}
	if got, _ := Tokenize("the mice", Config{Stem: true, Resources: cfg.Resources}); !reflect.DeepEqual(got, []string{"the", "mouse"}) {
		t.Errorf("-m: %q", got)
	}
}
