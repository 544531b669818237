package rouge

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		flags string
		want  Config
	}{
		{"", Config{}},
		{"-c 95 -r 1000 -n 2 -a", Config{MaxN: 2, Resamples: 1000, Confidence: 95}},
		{"-c 95 -r 1000 -n 2 -a -m -2 4 -u", Config{MaxN: 2, Resamples: 1000, Confidence: 95, Stem: true, SkipBigram: true, SkipDistance: 4, SkipUnigrams: true}},
		// Getopt::Std takes "-4" as the value of -2: unlimited gap (SU*).
		{"-e data -f A -a -x -s -d -t 1 -m -2 -4 -u -n 2", Config{DataDir: "data", MaxN: 2, NoLCS: true, RemoveStopwords: true, CountMode: CountToken, Stem: true, SkipBigram: true, SkipDistance: -4, SkipUnigrams: true}},
		{"-amx -n2 -p0.3", Config{MaxN: 2, NoLCS: true, Stem: true, Alpha: 0.3}},
		{"-f B -t 2 -l 100", Config{Scoring: ScoringBest, CountMode: CountRaw, WordLimit: 100}},
		{"-t 0 -b 665 -v -z SPL", Config{ByteLimit: 665}},
		{"-z spl -t 1.0 -p .5 -c 99.5", Config{CountMode: CountToken, Alpha: 0.5, Confidence: 99.5}},
		{"-2 4 -U", Config{SkipBigram: true, SkipDistance: 4, SkipBoth: true}},
		{"-2 -04 -u", Config{SkipBigram: true, SkipDistance: -4, SkipUnigrams: true}},
		{"-n 1 -n 3 -l 0", Config{MaxN: 3}}, // the last value wins, as in Getopt::Std
		{"-n 4 --", Config{MaxN: 4}},
	} {
		got, err := ParseFlags(tc.flags)
		if err != nil {
			t.Errorf("ParseFlags(%q): %v", tc.flags, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseFlags(%q) = %+v, want %+v", tc.flags, got, tc.want)
		}
	}
}

// TestParseFlagsErrors: every option value ROUGE-1.5.5 would reject or
// silently replace, or that papersum cannot honour, is refused with a
// message that names the option and says what it takes.
func TestParseFlagsErrors(t *testing.T) {
	for flags, want := range map[string][]string{
		"-q":            {"unknown option -q", "-z SPL", "-t 0|1|2"},
		"--help":        {"unknown option --"},
		"-z bogus":      {`-z "bogus"`, "must be SPL"},
		"-z SEE":        {`-z "SEE"`, "must be SPL"},
		"-z SIMPLE":     {`-z "SIMPLE"`, "must be SPL"},
		"-w 1.2":        {"-w 1.2", "ROUGE-W is not supported"},
		"-3 HM":         {"-3 HM", "not supported"},
		"-M":            {"-M", "not supported"},
		"-h":            {"-h", "usage"},
		"-H":            {"-H", "usage"},
		"-n":            {"option -n needs a value"},
		"-n two":        {`-n "two"`, "must be an integer"},
		"-n -1":         {"-n -1", "[0, 100]"},
		"-n 101":        {"-n 101", "[0, 100]"},
		"-n 1000000000": {"-n 1000000000", "[0, 100]"},
		"-p 0":          {"-p 0", "(0, 1]"},
		"-p 1.5":        {"-p 1.5", "(0, 1]"},
		"-p nan":        {`-p "nan"`, "decimal number"},
		"-p 0x1p-1":     {`-p "0x1p-1"`, "decimal number"},
		"-c 0":          {"-c 0", "(0, 100]"},
		"-c 101":        {"-c 101", "(0, 100]"},
		"-c inf":        {`-c "inf"`, "decimal number"},
		"-r 0":          {"-r 0", "1 or more"},
		"-r ten":        {`-r "ten"`, "integer"},
		"-l 10 -b 20":   {"-l and -b", "not both"},
		"-l 10 -b 0":    {"-l and -b", "not both"}, // ROUGE tests definedness, not the value
		"-l -5":         {"-l -5", "0 (none) or more"},
		"-b x":          {`-b "x"`, "integer"},
		"-f C":          {`-f "C"`, "A (model average) or B (best model)"},
		"-f a":          {`-f "a"`, "A (model average) or B (best model)"},
		"-t 3":          {`-t "3"`, "0 (sentence), 1 (token) or 2"},
		"-t abc":        {`-t "abc"`, "0 (sentence), 1 (token) or 2"},
		"-2 04 -u":      {`-2 "04"`, "plain integer", "ROUGE-S04"},
		"-2 +4":         {`-2 "+4"`, "plain integer"},
		"-2 four":       {`-2 "four"`, "integer"},
		"settings.xml":  {`"settings.xml"`, "options only"},
		"-a X":          {`"X"`, "options only"},
		"-- extra":      {`"extra"`, "options only"},
	} {
		cfg, err := ParseFlags(flags)
		if err == nil {
			t.Errorf("ParseFlags(%q) = %+v, want an error", flags, cfg)
			continue
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("ParseFlags(%q) error %q does not say %q", flags, err, w)
			}
		}
	}
}

// TestFlagsMetrics: the metrics a configuration computes are the lines
// ROUGE-1.5.5 prints for its flags, named as ROUGE names them: ROUGE-N for
// n = 1..-n, ROUGE-L unless -x, and skip-bigrams only with -2: S<gap>, or
// SU<gap> with -u, or both with -U (-u wins over -U); a negative gap is "*".
func TestFlagsMetrics(t *testing.T) {
	for flags, want := range map[string][]string{
		"":                      {ROUGEL},
		"-x":                    nil,
		"-n 2 -2 4":             {ROUGE1, ROUGE2, ROUGEL, "ROUGE-S4"},
		"-2 4 -u":               {ROUGEL, ROUGESU4},
		"-2 4 -U":               {ROUGEL, "ROUGE-S4", ROUGESU4},
		"-2 4 -u -U":            {ROUGEL, ROUGESU4},
		"-2 -4 -u":              {ROUGEL, ROUGESUStar},
		"-2 -1":                 {ROUGEL, "ROUGE-S*"},
		"-2 -4 -U":              {ROUGEL, "ROUGE-S*", ROUGESUStar},
		"-u -U -n 1":            {ROUGE1, ROUGEL}, // -u and -U do nothing without -2
		"-n 3 -x -2 0":          {ROUGE1, ROUGE2, "ROUGE-3", "ROUGE-S0"},
		"-c 95 -r 1000 -n 2 -a": {ROUGE1, ROUGE2, ROUGEL},
	} {
		cfg, err := ParseFlags(flags)
		if err != nil {
			t.Fatalf("ParseFlags(%q): %v", flags, err)
		}
		if got := cfg.Metrics(); !reflect.DeepEqual(got, want) {
			t.Errorf("%q metrics = %v, want %v", flags, got, want)
		}
		res := mustEvaluate(t, []string{"a b c d"}, [][]string{{"a b c"}}, cfg)
		if len(res) != len(want) {
			t.Errorf("%q scored %v, want %v", flags, keys(res), want)
		}
		for _, m := range want {
			if _, ok := res[m]; !ok {
				t.Errorf("%q: no score for %s", flags, m)
			}
		}
	}
}

// TestPresetMetrics: each preset prints what ROUGE-1.5.5 prints for its
// flags; SciTLDR's own flags (-c 95 -r 1000 -n 2 -a) have no skip-bigrams.
func TestPresetMetrics(t *testing.T) {
	for name, want := range map[string][]string{
		"scitldr":          {ROUGE1, ROUGE2, ROUGEL},
		"scitldr_stem":     {ROUGE1, ROUGE2, ROUGEL},
		"scitldr_su4":      {ROUGE1, ROUGE2, ROUGEL, ROUGESU4},
		"scitldr_stem_su4": {ROUGE1, ROUGE2, ROUGEL, ROUGESU4},
		"clscisumm":        {ROUGE1, ROUGE2, ROUGESUStar},
	} {
		if got := mustPreset(t, name).Metrics(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s metrics = %v, want %v", name, got, want)
		}
	}
	if got := PresetNames(); len(got) != 5 {
		t.Errorf("PresetNames() = %v", got)
	}
	if flags, _, ok := PresetFlags("scitldr"); !ok || flags != "-c 95 -r 1000 -n 2 -a" {
		t.Errorf("scitldr flags %q", flags)
	}
	if _, err := Preset("rouge-score"); err == nil {
		t.Error("unknown preset accepted")
	}
}
