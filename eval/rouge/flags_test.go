package rouge

import (
	"reflect"
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
		{"-e data -f A -a -x -s -d -t 1 -m -2 -4 -u -n 2", Config{MaxN: 2, NoLCS: true, RemoveStopwords: true, CountMode: CountToken, Stem: true, SkipBigram: true, SkipDistance: -4, SkipUnigrams: true}},
		{"-amx -n2 -p0.3", Config{MaxN: 2, NoLCS: true, Stem: true, Alpha: 0.3}},
		{"-f B -t 2 -l 100", Config{Scoring: ScoringBest, CountMode: CountToken, WordLimit: 100}},
		{"-t 0 -b 665 -v -z SPL", Config{ByteLimit: 665}},
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

func TestParseFlagsErrors(t *testing.T) {
	for _, flags := range []string{
		"-w 1.2", "-3 HM", "-U", "-M", "-h", "-q", "-n", "-n two", "-p 0", "-p 1.5", "-c 0", "-r 0",
		"-l 10 -b 20", "-f C", "settings.xml", "-a X", "-- extra",
	} {
		if cfg, err := ParseFlags(flags); err == nil {
			t.Errorf("ParseFlags(%q) = %+v, want an error", flags, cfg)
		}
	}
}

func TestPresetMetrics(t *testing.T) {
	for name, want := range map[string][]string{
		"scitldr":      {ROUGE1, ROUGE2, ROUGEL, ROUGESU4},
		"scitldr_stem": {ROUGE1, ROUGE2, ROUGEL, ROUGESU4},
		"clscisumm":    {ROUGE1, ROUGE2, ROUGESUStar},
	} {
		if got := mustPreset(t, name).Metrics(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s metrics = %v, want %v", name, got, want)
		}
	}
	if _, err := Preset("rouge-score"); err == nil {
		t.Error("unknown preset accepted")
	}
}
