package pricing

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// near reports whether got is within a relative 1e-12 of want (absolute
// 1e-18 around zero): far below a billionth of a cent on any real bill.
func near(got, want float64) bool {
	if want == 0 {
		return math.Abs(got) < 1e-18
	}
	return math.Abs(got-want)/math.Abs(want) < 1e-12
}

func mustDefault(t *testing.T) *Table {
	t.Helper()
	tab, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// Load is the built-in table overridden by the user's file.
func TestLoadOverridesDefault(t *testing.T) {
	tab, err := Load(strings.NewReader(overrideFile))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := tab.Price("anthropic", "claude-sonnet-4-5", papersum.Usage{InputTokens: 1_000_000}, false, now); !near(got, 2.4) {
		t.Errorf("overridden price %v, want 2.4", got)
	}
	if !tab.Known("anthropic", "claude-haiku-4-5", now) || !tab.Known("local", "local", now) {
		t.Error("built-in rows lost")
	}
	if _, err := Load(strings.NewReader(`{"version": 1}`)); papersum.ErrorCode(err) != papersum.EINVALID {
		t.Errorf("bad user file: %v, want EINVALID", err)
	}
}

func TestDefaultLoads(t *testing.T) {
	tab := mustDefault(t)
	if len(tab.Rows()) == 0 {
		t.Fatal("no rows")
	}
	// The embedded file's notes and sources are for people; check that
	// every source has a URL, so a price can always be traced.
	var f struct {
		Sources []struct{ URL string } `json:"sources"`
	}
	if err := json.Unmarshal(builtin, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Sources) == 0 {
		t.Fatal("pricing.json cites no source")
	}
	for _, s := range f.Sources {
		if !strings.HasPrefix(s.URL, "https://") {
			t.Errorf("source %q is not a URL", s.URL)
		}
	}
}

// The built-in Anthropic rows follow the published multipliers: 5-minute
// cache write 1.25x input, 1-hour write 2x, read 0.1x, batch 50% off. Only
// Claude Haiku 3 has listed cache prices off the multipliers.
func TestDefaultAnthropicMultipliers(t *testing.T) {
	for _, r := range mustDefault(t).Rows() {
		if r.Provider != "anthropic" {
			continue
		}
		if r.BatchDiscount != 0.5 {
			t.Errorf("%s: batch discount %v, want 0.5", r.Model, r.BatchDiscount)
		}
		if r.ContextWindow == 0 || r.MaxOutput == 0 {
			t.Errorf("%s: limits unknown", r.Model)
		}
		if r.Model == "claude-3-haiku-20240307" {
			continue // listed cache prices: $0.30, $0.50, $0.03
		}
		if !near(r.CacheReadPerMTok, 0.1*r.InputPerMTok) {
			t.Errorf("%s: cache read %v, want 0.1 x %v", r.Model, r.CacheReadPerMTok, r.InputPerMTok)
		}
		if !near(r.CacheWrite5mPerMTok, 1.25*r.InputPerMTok) || !near(r.CacheWrite1hPerMTok, 2*r.InputPerMTok) {
			t.Errorf("%s: cache writes %v / %v, want 1.25x / 2x of %v", r.Model, r.CacheWrite5mPerMTok, r.CacheWrite1hPerMTok, r.InputPerMTok)
		}
	}
}

// Spot checks against the published table (USD per MTok).
func TestDefaultPublishedPrices(t *testing.T) {
	tab := mustDefault(t)
	cases := []struct {
		model               string
		in, out, w5, w1, rd float64
		acceptsTemp         bool
	}{
		{"claude-opus-4-7", 5, 25, 6.25, 10, 0.5, false},
		{"claude-opus-4-5-20251101", 5, 25, 6.25, 10, 0.5, true},
		{"claude-opus-4-1", 15, 75, 18.75, 30, 1.5, true},
		{"claude-opus-4-20250514", 15, 75, 18.75, 30, 1.5, true},
		{"claude-sonnet-4-6", 3, 15, 3.75, 6, 0.3, true},
		{"claude-sonnet-4-5-20250929", 3, 15, 3.75, 6, 0.3, true},
		{"claude-sonnet-4-20250514", 3, 15, 3.75, 6, 0.3, true},
		{"claude-3-7-sonnet-20250219", 3, 15, 3.75, 6, 0.3, true},
		{"claude-haiku-4-5-20251001", 1, 5, 1.25, 2, 0.1, true},
		{"claude-3-5-haiku-20241022", 0.8, 4, 1, 1.6, 0.08, true},
		{"claude-3-haiku-20240307", 0.25, 1.25, 0.3, 0.5, 0.03, true},
	}
	for _, c := range cases {
		r, ok := tab.Lookup("anthropic", c.model, now)
		if !ok {
			t.Errorf("%s: not found", c.model)
			continue
		}
		got := []float64{r.InputPerMTok, r.OutputPerMTok, r.CacheWrite5mPerMTok, r.CacheWrite1hPerMTok, r.CacheReadPerMTok}
		want := []float64{c.in, c.out, c.w5, c.w1, c.rd}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s: prices %v, want %v", c.model, got, want)
				break
			}
		}
		if r.AcceptsTemperature != c.acceptsTemp {
			t.Errorf("%s: AcceptsTemperature %v, want %v", c.model, r.AcceptsTemperature, c.acceptsTemp)
		}
	}
}

func TestLocalIsExplicitlyFree(t *testing.T) {
	tab := mustDefault(t)
	cost, err := tab.Price("local", "local", papersum.Usage{InputTokens: 1e9, OutputTokens: 1e9, Estimated: true}, false, now)
	if err != nil || cost != 0 {
		t.Fatalf("local: %v, %v; want 0, nil", cost, err)
	}
	if !tab.Known("local", "local", now) {
		t.Fatal("local not known")
	}
}

// Every token kind is priced at its own rate, with and without batch.
func TestPriceEveryTokenKind(t *testing.T) {
	tab := mustDefault(t)
	const M = 1_000_000
	// claude-sonnet-4-5: in 3, out 15, 5m 3.75, 1h 6, read 0.30 per MTok.
	cases := []struct {
		name string
		u    papersum.Usage
		want float64
	}{
		{"input", papersum.Usage{InputTokens: M}, 3},
		{"output", papersum.Usage{OutputTokens: M}, 15},
		{"cache write 5m", papersum.Usage{CacheCreation5mTokens: M}, 3.75},
		{"cache write 1h", papersum.Usage{CacheCreation1hTokens: M}, 6},
		{"cache read", papersum.Usage{CacheReadTokens: M}, 0.30},
		{"none", papersum.Usage{}, 0},
		{"one token of each", papersum.Usage{InputTokens: 1, OutputTokens: 1, CacheCreation5mTokens: 1, CacheCreation1hTokens: 1, CacheReadTokens: 1}, (3 + 15 + 3.75 + 6 + 0.30) / M},
		{"a typical stage", papersum.Usage{
			InputTokens: 1200, OutputTokens: 450, CacheCreation5mTokens: 15000, CacheReadTokens: 30000,
		}, (1200*3 + 450*15 + 15000*3.75 + 30000*0.30) / float64(M)},
		{"estimated counts are priced the same", papersum.Usage{InputTokens: M, Estimated: true}, 3},
	}
	for _, c := range cases {
		for _, batch := range []bool{false, true} {
			want := c.want
			if batch {
				want *= 0.5
			}
			got, err := tab.Price("anthropic", "claude-sonnet-4-5", c.u, batch, now)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if !near(got, want) {
				t.Errorf("%s (batch %v): %.15g, want %.15g", c.name, batch, got, want)
			}
		}
	}
}

// An alias (dated snapshot) prices like its model.
func TestAliasPricesLikeModel(t *testing.T) {
	tab := mustDefault(t)
	u := papersum.Usage{InputTokens: 1234, OutputTokens: 567, CacheReadTokens: 89}
	a, err := tab.Price("anthropic", "claude-haiku-4-5", u, false, now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := tab.Price("anthropic", "claude-haiku-4-5-20251001", u, false, now)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatalf("alias %v != model %v", b, a)
	}
	r, _ := tab.Lookup("anthropic", "claude-haiku-4-5-20251001", now)
	if r.Model != "claude-haiku-4-5" {
		t.Fatalf("Lookup by alias returned model %q, want the canonical name", r.Model)
	}
}

const datedFile = `{"version": 1, "rows": [
  {"provider": "p", "model": "m", "effective_from": "2025-01-01",
   "input_per_mtok": 1, "output_per_mtok": 2, "cache_write_5m_per_mtok": 0, "cache_write_1h_per_mtok": 0, "cache_read_per_mtok": 0},
  {"provider": "p", "model": "m", "aliases": ["m-2026"], "effective_from": "2026-06-01",
   "input_per_mtok": 10, "output_per_mtok": 20, "cache_write_5m_per_mtok": 0, "cache_write_1h_per_mtok": 0, "cache_read_per_mtok": 0,
   "batch_discount": 0.25, "accepts_temperature": false},
  {"provider": "p", "model": "m", "effective_from": "2025-07-01",
   "input_per_mtok": 5, "output_per_mtok": 6, "cache_write_5m_per_mtok": 0, "cache_write_1h_per_mtok": 0, "cache_read_per_mtok": 0}
]}`

func TestEffectiveDateSelection(t *testing.T) {
	tab, err := Parse(strings.NewReader(datedFile))
	if err != nil {
		t.Fatal(err)
	}
	u := papersum.Usage{InputTokens: 1_000_000}
	cases := []struct {
		at   time.Time
		want float64
		ok   bool
	}{
		{time.Date(2024, 12, 31, 23, 59, 59, 999999999, time.UTC), 0, false},
		{time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), 1, true}, // the first instant of the day
		{time.Date(2025, 6, 30, 23, 0, 0, 0, time.UTC), 1, true},
		// 2025-07-01 00:30 in UTC+1 is still June 30 in UTC.
		{time.Date(2025, 7, 1, 0, 30, 0, 0, time.FixedZone("UTC+1", 3600)), 1, true},
		{time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC), 5, true},
		{time.Date(2026, 5, 31, 0, 0, 0, 0, time.UTC), 5, true},
		{time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), 10, true},
		{time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), 10, true},
	}
	for _, c := range cases {
		got, err := tab.Price("p", "m", u, false, c.at)
		if !c.ok {
			if papersum.ErrorCode(err) != papersum.EINVALID {
				t.Errorf("at %v: %v, %v; want an EINVALID error", c.at, got, err)
			} else if !strings.Contains(papersum.ErrorMessage(err), "effective from 2025-01-01") {
				t.Errorf("at %v: message %q does not give the first date", c.at, papersum.ErrorMessage(err))
			}
			if tab.Known("p", "m", c.at) {
				t.Errorf("at %v: Known, want not", c.at)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("at %v: %v, %v; want %v", c.at, got, err, c.want)
		}
	}
	// The alias, declared on the newest row only, names the model at
	// every date; capabilities come from the row in effect.
	r, ok := tab.Lookup("p", "m-2026", time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC))
	if !ok || r.InputPerMTok != 5 || !r.AcceptsTemperature {
		t.Errorf("Lookup(alias, 2025-08) = %+v, %v", r, ok)
	}
	r, _ = tab.Lookup("p", "m", now)
	if r.AcceptsTemperature || r.BatchDiscount != 0.25 {
		t.Errorf("newest row: AcceptsTemperature %v, BatchDiscount %v", r.AcceptsTemperature, r.BatchDiscount)
	}
	if got, _ := tab.Price("p", "m", u, true, now); got != 7.5 {
		t.Errorf("batch with discount 0.25: %v, want 7.5", got)
	}
}

func TestUnknownModelIsAnError(t *testing.T) {
	tab := mustDefault(t)
	for _, c := range []struct{ provider, model string }{
		{"anthropic", "claude-imaginary-9"},
		{"openai", "llama-3.1-8b-instruct"},
		{"local", "claude-sonnet-4-5"}, // right model, wrong provider
		{"anthropic", "Claude-Sonnet-4-5"},
		{"", ""},
	} {
		cost, err := tab.Price(c.provider, c.model, papersum.Usage{InputTokens: 10}, false, now)
		if papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s/%s: cost %v, err %v; want an EINVALID error", c.provider, c.model, cost, err)
			continue
		}
		msg := papersum.ErrorMessage(err)
		if !strings.Contains(msg, c.model) || !strings.Contains(msg, "pricing override file") {
			t.Errorf("%s/%s: message %q should name the model and say how to add a price", c.provider, c.model, msg)
		}
		if tab.Known(c.provider, c.model, now) {
			t.Errorf("%s/%s: Known", c.provider, c.model)
		}
		if _, ok := tab.Lookup(c.provider, c.model, now); ok {
			t.Errorf("%s/%s: Lookup found a row", c.provider, c.model)
		}
	}
}

func TestNegativeUsageIsAnError(t *testing.T) {
	_, err := mustDefault(t).Price("anthropic", "claude-sonnet-4-5", papersum.Usage{CacheReadTokens: -1}, false, now)
	if papersum.ErrorCode(err) != papersum.EINVALID {
		t.Fatalf("err = %v, want EINVALID", err)
	}
}

const overrideFile = `{"version": 1, "rows": [
  {"provider": "anthropic", "model": "claude-sonnet-4-5", "effective_from": "2026-01-01",
   "input_per_mtok": 2.4, "output_per_mtok": 12, "cache_write_5m_per_mtok": 3, "cache_write_1h_per_mtok": 4.8, "cache_read_per_mtok": 0.24,
   "batch_discount": 0.5, "note": "negotiated 20% discount"},
  {"provider": "openai", "model": "llama-3.1-8b-instruct", "aliases": ["meta-llama/Llama-3.1-8B-Instruct"], "effective_from": "2026-01-01",
   "input_per_mtok": 0, "output_per_mtok": 0, "cache_write_5m_per_mtok": 0, "cache_write_1h_per_mtok": 0, "cache_read_per_mtok": 0,
   "context_window": 131072, "max_output": 8192, "note": "self-hosted vLLM"}
]}`

func TestOverride(t *testing.T) {
	user, err := Parse(strings.NewReader(overrideFile))
	if err != nil {
		t.Fatal(err)
	}
	base := mustDefault(t)
	tab, err := base.Override(user)
	if err != nil {
		t.Fatal(err)
	}
	u := papersum.Usage{InputTokens: 1_000_000}

	// The user's rows replace every built-in row of the models they name ...
	got, err := tab.Price("anthropic", "claude-sonnet-4-5", u, false, now)
	if err != nil || !near(got, 2.4) {
		t.Errorf("overridden model: %v, %v; want 2.4", got, err)
	}
	// ... including the built-in aliases, which no longer resolve to it,
	if tab.Known("anthropic", "claude-sonnet-4-5-20250929", now) {
		t.Error("built-in alias of an overridden model still resolves")
	}
	// ... and earlier dates, which the user's rows do not cover.
	if tab.Known("anthropic", "claude-sonnet-4-5", time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)) {
		t.Error("built-in row of an overridden model still in effect")
	}
	// Other models keep their built-in rows.
	got, err = tab.Price("anthropic", "claude-haiku-4-5", u, false, now)
	if err != nil || got != 1 {
		t.Errorf("untouched model: %v, %v; want 1", got, err)
	}
	// New models are added: a self-hosted server is free by an explicit row.
	got, err = tab.Price("openai", "meta-llama/Llama-3.1-8B-Instruct", papersum.Usage{InputTokens: 5000, OutputTokens: 700}, true, now)
	if err != nil || got != 0 {
		t.Errorf("self-hosted model: %v, %v; want 0", got, err)
	}
	r, ok := tab.Lookup("openai", "llama-3.1-8b-instruct", now)
	if !ok || !r.AcceptsTemperature || r.ContextWindow != 131072 || r.MaxOutput != 8192 {
		t.Errorf("Lookup = %+v, %v", r, ok)
	}
	// The inputs did not change.
	if got, _ := base.Price("anthropic", "claude-sonnet-4-5", u, false, now); got != 3 {
		t.Errorf("Override changed the base table: %v", got)
	}
}

func TestOverrideNameClash(t *testing.T) {
	// The user's new model claims a built-in model's dated name.
	clash := strings.Replace(overrideFile, `"meta-llama/Llama-3.1-8B-Instruct"`, `"llama"`, 1)
	clash = strings.Replace(clash, `"provider": "openai"`, `"provider": "anthropic"`, 1)
	clash = strings.Replace(clash, `["llama"]`, `["claude-haiku-4-5-20251001"]`, 1)
	user, err := Parse(strings.NewReader(clash))
	if err != nil {
		t.Fatal(err)
	}
	_, err = mustDefault(t).Override(user)
	if papersum.ErrorCode(err) != papersum.EINVALID || !strings.Contains(papersum.ErrorMessage(err), "claude-haiku-4-5-20251001") {
		t.Fatalf("err = %v, want EINVALID naming the clashing name", err)
	}
}

func validRow(mutate string) string {
	row := `{"provider": "p", "model": "m", "effective_from": "2026-01-01",
	  "input_per_mtok": 1, "output_per_mtok": 2, "cache_write_5m_per_mtok": 1.25, "cache_write_1h_per_mtok": 2, "cache_read_per_mtok": 0.1` + mutate + `}`
	return `{"version": 1, "rows": [` + row + `]}`
}

func TestMalformedFiles(t *testing.T) {
	if _, err := Parse(strings.NewReader(validRow(""))); err != nil {
		t.Fatalf("the valid base row: %v", err)
	}
	cases := []struct {
		name, data, wantInMessage string
	}{
		{"empty", ``, "EOF"},
		{"not JSON", `price: 3`, "line 1"},
		{"syntax error on line 3", "{\"version\": 1,\n\"rows\": [\n{,}]}", "line 3"},
		{"trailing data", validRow("") + `{}`, "after the JSON"},
		{"wrong type", `{"version": 1, "rows": [{"provider": "p", "model": "m", "effective_from": "2026-01-01", "input_per_mtok": "3"}]}`, "input_per_mtok"},
		{"unknown field (typo)", validRow(`, "input_per_mtoks": 3`), "input_per_mtoks"},
		{"no version", `{"rows": []}`, "version 0"},
		{"future version", `{"version": 2, "rows": []}`, "version 2"},
		{"no rows", `{"version": 1, "rows": []}`, "no rows"},
		{"no provider", strings.Replace(validRow(""), `"provider": "p"`, `"provider": ""`, 1), "provider and model"},
		{"no model", strings.Replace(validRow(""), `"model": "m"`, `"model": ""`, 1), "provider and model"},
		{"spaces in name", strings.Replace(validRow(""), `"model": "m"`, `"model": " m"`, 1), "spaces"},
		{"empty alias", validRow(`, "aliases": [""]`), "empty"},
		{"no date", strings.Replace(validRow(""), `"effective_from": "2026-01-01"`, `"effective_from": ""`, 1), "effective_from is required"},
		{"bad date", strings.Replace(validRow(""), `2026-01-01`, `2026-13-01`, 1), "not a date"},
		{"date with time", strings.Replace(validRow(""), `2026-01-01`, `2026-01-01T00:00:00Z`, 1), "not a date"},
		{"missing price", strings.Replace(validRow(""), `"cache_read_per_mtok": 0.1`, `"note": ""`, 1), "cache_read_per_mtok is required"},
		{"negative input", strings.Replace(validRow(""), `"input_per_mtok": 1`, `"input_per_mtok": -1`, 1), "input_per_mtok -1 is negative"},
		{"negative output", strings.Replace(validRow(""), `"output_per_mtok": 2`, `"output_per_mtok": -0.5`, 1), "output_per_mtok"},
		{"negative cache write", strings.Replace(validRow(""), `"cache_write_1h_per_mtok": 2`, `"cache_write_1h_per_mtok": -2`, 1), "cache_write_1h_per_mtok"},
		{"batch discount above 1", validRow(`, "batch_discount": 1.5`), "batch_discount"},
		{"negative batch discount", validRow(`, "batch_discount": -0.5`), "batch_discount"},
		{"negative context window", validRow(`, "context_window": -1`), "context_window"},
		{"duplicate date", `{"version": 1, "rows": [` + row0() + `,` + row0() + `]}`, "two rows for p/m effective from 2026-01-01"},
		{"alias names two models", `{"version": 1, "rows": [` +
			strings.Replace(row0(), `"model": "m"`, `"model": "a", "aliases": ["x"]`, 1) + `,` +
			strings.Replace(row0(), `"model": "m"`, `"model": "b", "aliases": ["x"]`, 1) + `]}`, "p/x names both model"},
		{"alias is another model", `{"version": 1, "rows": [` +
			strings.Replace(row0(), `"model": "m"`, `"model": "a"`, 1) + `,` +
			strings.Replace(row0(), `"model": "m"`, `"model": "b", "aliases": ["a"]`, 1) + `]}`, "names both model"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab, err := Parse(strings.NewReader(c.data))
			if err == nil {
				t.Fatalf("loaded %d rows, want an error", len(tab.Rows()))
			}
			if papersum.ErrorCode(err) != papersum.EINVALID {
				t.Fatalf("code %s (%v), want %s", papersum.ErrorCode(err), err, papersum.EINVALID)
			}
			if !strings.Contains(err.Error(), c.wantInMessage) {
				t.Fatalf("error %q does not mention %q", err, c.wantInMessage)
			}
		})
	}
}

func row0() string {
	return `{"provider": "p", "model": "m", "effective_from": "2026-01-01",
	  "input_per_mtok": 1, "output_per_mtok": 2, "cache_write_5m_per_mtok": 0, "cache_write_1h_per_mtok": 0, "cache_read_per_mtok": 0}`
}

// The same model name under two providers is two models.
func TestProvidersAreSeparate(t *testing.T) {
	data := `{"version": 1, "rows": [` + row0() + `,` + strings.Replace(row0(), `"provider": "p"`, `"provider": "q"`, 1) + `]}`
	if _, err := Parse(strings.NewReader(data)); err != nil {
		t.Fatal(err)
	}
}

// The example file in the package comment is a valid override.
func TestDocExample(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	in := false
	for _, line := range strings.Split(string(src), "\n") {
		switch {
		case line == "//\t{":
			in = true
		case !in:
			continue
		}
		b.WriteString(strings.TrimPrefix(line, "//\t") + "\n")
		if line == "//\t}" {
			break
		}
	}
	user, err := Parse(strings.NewReader(b.String()))
	if err != nil {
		t.Fatalf("doc example: %v\n%s", err, b.String())
	}
	tab, err := mustDefault(t).Override(user)
	if err != nil {
		t.Fatal(err)
	}
	if !tab.Known("openai", "meta-llama/Llama-3.1-8B-Instruct", now) {
		t.Fatal("doc example's model unknown after Override")
	}
}

func TestRowsSortedAndCopied(t *testing.T) {
	tab := mustDefault(t)
	rows := tab.Rows()
	for i := 1; i < len(rows); i++ {
		a, b := rows[i-1], rows[i]
		if a.Provider > b.Provider || (a.Provider == b.Provider && a.Model > b.Model) {
			t.Fatalf("rows out of order: %s/%s before %s/%s", a.Provider, a.Model, b.Provider, b.Model)
		}
	}
	for i := range rows {
		for j := range rows[i].Aliases {
			rows[i].Aliases[j] = "mutated"
		}
	}
	if !tab.Known("anthropic", "claude-haiku-4-5-20251001", now) {
		t.Fatal("mutating Rows() changed the table")
	}
	r, _ := tab.Lookup("anthropic", "claude-haiku-4-5", now)
	r.Aliases[0] = "mutated"
	r2, _ := tab.Lookup("anthropic", "claude-haiku-4-5", now)
	if r2.Aliases[0] != "claude-haiku-4-5-20251001" {
		t.Fatal("mutating a Lookup row changed the table")
	}
}
