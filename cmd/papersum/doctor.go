package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/config"
	"github.com/papersum/papersum/llm"
)

// check is one line of the doctor's report.
type check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// doctorReport is what `papersum doctor` finds.
type doctorReport struct {
	Version  versionInfo        `json:"version"`
	Checks   []check            `json:"checks"`
	Breakers []llm.BreakerState `json:"breakers"`
	Config   string             `json:"config"`
	// Diagnostics are the checks of --since and --url; Worst is their
	// worst level (ok, warn, fail), "" when neither flag was given.
	Diagnostics []diagnostic `json:"diagnostics,omitempty"`
	Worst       string       `json:"worst,omitempty"`
}

func newDoctorCmd(e *env, g *globalFlags) *cobra.Command {
	var format string
	var probe bool
	var diag diagOptions
	c := &cobra.Command{
		Use:   "doctor",
		Short: "Check the configuration, the store, the providers and the PDF reader",
		Long: `Doctor checks everything papersum needs without summarizing anything: the
configuration file, the store, the price of every configured model, the API
key of every configured provider (present or not; never printed), the PDF
reader, and the state of the circuit breakers. With --probe it also sends one
tiny request per stage through the configured chain (retries, breakers and
fallbacks included) and reports who answered; a probe answered by a
fallback fails, naming the primary model and the fallback that answered.
It exits 1 when a check fails.

With --since (e.g. 1h) doctor also judges the runs of that last period in
the store, and with --url a running server's /metrics. Each diagnostic is
ok, warn or fail, with what to do and the docs/runbook.md section:

  error rate       failed / finished runs: warn at 5%, fail at 20%; then one
                   line per failure class with its runbook section
  latency STAGE    p95 stage latency against the same window a day earlier:
                   warn at 1.5x, fail at 3x (5 samples each side at least)
  tokens STAGE     mean tokens per call against the range (p5-p95) of the
                   daily means of the previous 7 days: warn outside, fail
                   above 2x the top
  quality          mean overall score now and a day earlier, and the share
                   of scored runs at thresholds.overall: warn below 80% or a
                   drop of 0.5, fail below 50% or a drop of 1.5
  queue            jobs waiting and the oldest one's wait (from the store's
                   queue tables, or pipeline_queue_* with --url): warn at 5m,
                   fail at 30m
  circuit breakers (--url) pipeline_breaker_state: warn half-open, fail open
  result cache     (--url) hit rate; warn when Redis calls fell back

--url takes the server's address (or its /metrics address); the API's
/metrics needs a key with read scope (--api-key or PAPERSUM_API_KEY), the
listener of serve --metrics-addr needs none.

Exit codes: 0 all ok; 1 a check or diagnostic failed; 4 the worst
diagnostic is a warning (3 stays "internal error"); 2 wrong flags.`,
		Example: `  papersum doctor
  papersum doctor --since 1h
  papersum doctor --since 1h --url http://127.0.0.1:8080 --api-key "$KEY" --format json
  papersum doctor --url http://127.0.0.1:9090   # serve --metrics-addr :9090`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			rep := runDoctor(c.Context(), e, g, probe)
			if diag.since > 0 || diag.url != "" {
				diag.now = time.Now()
				if diag.apiKey == "" {
					diag.apiKey = e.getenv("PAPERSUM_API_KEY")
				}
				diag.threshold = 7.5
				if cfg, err := loadConfig(g, e.getenv); err == nil {
					diag.threshold = cfg.Thresholds.Overall
				}
				rep.Diagnostics = runDiagnostics(c.Context(), e, g, diag)
				rep.Worst = worstLevel(rep.Diagnostics)
			}
			if format == "json" {
				if err := writeJSON(e.stdout, rep); err != nil {
					return err
				}
			} else {
				var b bytes.Buffer
				tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
				for _, ch := range rep.Checks {
					mark := "ok"
					if !ch.OK {
						mark = "FAIL"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\n", mark, ch.Name, ch.Detail)
				}
				tw.Flush()
				if len(rep.Breakers) > 0 {
					b.WriteString("\ncircuit breakers:\n")
					for _, s := range rep.Breakers {
						fmt.Fprintf(&b, "  %s/%s: %s (%d consecutive failures)\n", s.Provider, s.Model, s.State, s.Counts.ConsecutiveFailures)
					}
				}
				writeDiagnostics(&b, rep.Diagnostics, diag.since)
				fmt.Fprintf(&b, "\nconfiguration (redacted):\n%s", rep.Config)
				if _, err := e.stdout.Write(b.Bytes()); err != nil {
					return err
				}
			}
			for _, ch := range rep.Checks {
				if !ch.OK {
					return papersum.Errorf(papersum.EINVALID, "doctor: %s: %s", ch.Name, ch.Detail)
				}
			}
			return diagnosticsOutcome(rep.Diagnostics)
		},
	}
	c.Flags().StringVarP(&format, "format", "f", "text", "output format")
	c.Flags().DurationVar(&diag.since, "since", 0, "also judge the runs of this last period in the store (e.g. 1h; default: off)")
	c.Flags().StringVar(&diag.url, "url", "", "also judge a running server's /metrics at this address (default: off)")
	c.Flags().StringVar(&diag.apiKey, "api-key", "", "API key (read scope) for --url's /metrics (default: $PAPERSUM_API_KEY)")
	limitFlags(c.Flags(), formatFlag("text", "json"), durationIn("since", time.Minute, 366*24*time.Hour, "off"))
	c.Flags().BoolVar(&probe, "probe", false, "send one tiny request per stage to the configured models (costs a few tokens)")
	return c
}

func runDoctor(ctx context.Context, e *env, g *globalFlags, probe bool) doctorReport {
	rep := doctorReport{Version: buildVersion(), Breakers: []llm.BreakerState{}}
	add := func(name string, err error, okDetail string) {
		if err != nil {
			rep.Checks = append(rep.Checks, check{Name: name, OK: false, Detail: errorLine(err)})
			return
		}
		rep.Checks = append(rep.Checks, check{Name: name, OK: true, Detail: okDetail})
	}
	cfg, err := loadConfig(g, e.getenv)
	add("config", err, "valid")
	if err != nil {
		return rep
	}
	rep.Config = cfg.Redacted()
	table, err := loadPricer(cfg)
	add("pricing", err, "table loaded")
	if err == nil {
		now := time.Now()
		for _, s := range papersum.Stages {
			sc := cfg.Stages.Get(s)
			refs := append([]config.ModelRef{{Provider: sc.Provider, Model: sc.Model}}, sc.Fallback...)
			for _, ref := range refs {
				name := fmt.Sprintf("model %s/%s (%s)", ref.Provider, ref.Model, s)
				row, ok := table.Lookup(ref.Provider, ref.Model, now)
				if !ok {
					add(name, papersum.Errorf(papersum.EINVALID, "no price; add a row to the pricing file"), "")
					continue
				}
				add(name, nil, fmt.Sprintf("$%g in / $%g out per MTok, temperature %s", row.InputPerMTok, row.OutputPerMTok,
					map[bool]string{true: "accepted", false: "not sent"}[row.AcceptsTemperature]))
			}
		}
	}
	seen := map[string]bool{}
	for _, s := range papersum.Stages {
		sc := cfg.Stages.Get(s)
		for _, ref := range append([]config.ModelRef{{Provider: sc.Provider}}, sc.Fallback...) {
			if seen[ref.Provider] {
				continue
			}
			seen[ref.Provider] = true
			p, _ := cfg.Provider(ref.Provider)
			if p.Type == config.ProviderLocal {
				add("provider local", nil, "built in")
				continue
			}
			_, kerr := apiKey(p, e.getenv)
			add("provider "+ref.Provider, kerr, fmt.Sprintf("%s API at %s, key present", p.Type, orString(p.BaseURL, "the default address")))
		}
	}
	if probe {
		deps, err := newPipelineDeps(cfg, e, newLogger(e, g))
		add("models", err, "built")
		if err == nil {
			probeStages(ctx, deps, add)
			rep.Breakers = deps.breakers.States()
		}
	}
	path, err := dbPath(g, e.getenv)
	if err == nil {
		var store papersum.Store
		store, err = openStore(ctx, g, e.getenv)
		if err == nil {
			_, err = store.ListRuns(ctx, papersum.RunFilter{Limit: 1})
			store.Close()
		}
	}
	add("store", err, "SQLite at "+path)
	if p, err := exec.LookPath("pdftotext"); err == nil {
		add("pdf reader", nil, "poppler pdftotext at "+p)
	} else {
		add("pdf reader", nil, "pure Go (install poppler-utils for pdftotext)")
	}
	return rep
}

// apiKey reads a provider's API key from its file or its environment
// variable. Keys are never logged or printed.
func apiKey(p config.ProviderConfig, getenv func(string) string) (string, error) {
	if p.APIKeyFile != "" {
		b, err := os.ReadFile(p.APIKeyFile)
		if err != nil {
			return "", papersum.Errorf(papersum.EINVALID, "api_key_file %s: %v", p.APIKeyFile, err)
		}
		if k := string(bytes.TrimSpace(b)); k != "" {
			return k, nil
		}
		return "", papersum.Errorf(papersum.EINVALID, "api_key_file %s is empty", p.APIKeyFile)
	}
	if k := getenv(p.APIKeyEnv); k != "" {
		return k, nil
	}
	if p.Type == config.ProviderOpenAI && p.BaseURL != "" {
		return "", nil // self-hosted OpenAI-compatible servers usually need none
	}
	return "", papersum.Errorf(papersum.EINVALID, "no API key: set %s or api_key_file", p.APIKeyEnv)
}

func orString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// probeText is the paper of a probe: long enough to be a paper, short
// enough to cost almost nothing.
const probeText = "Probing papersum. This paper checks that a model answers. It has three sentences."

// probeStages sends one tiny request per stage through its wired client.
func probeStages(ctx context.Context, d *pipelineDeps, add func(string, error, string)) {
	paper := &papersum.Paper{Title: "Probe", Sections: []papersum.Section{{Title: "Abstract", Kind: papersum.KindAbstract,
		Sentences: []string{"Probing papersum.", "This paper checks that a model answers.", "It has three sentences."}}}}
	for _, s := range papersum.Stages {
		m := d.stages[s]
		req := &papersum.Request{Model: m.Model, System: "Answer in one short sentence.", Prompt: "Say OK.",
			Paper: &papersum.Document{Text: probeText}, MaxTokens: 64, Timeout: 30 * time.Second,
			Task: papersum.Task{Stage: s, Paper: paper, TargetWords: 20, Draft: "Probing papersum.",
				Critique: &papersum.Critique{Issues: []string{}}}}
		start := time.Now()
		resp, err := m.Client.Generate(ctx, req)
		detail := ""
		if err == nil {
			detail = fmt.Sprintf("answered by %s/%s in %s", resp.Provider, resp.Model, time.Since(start).Round(time.Millisecond))
			if resp.FallbackReason != "" {
				// The chain kept the stage working, but the probe is of the
				// configured model: a fallback answering means it is down.
				// (The chain sets the reason only when a later link answered;
				// the model name alone could differ by a dated alias.)
				err = papersum.Errorf(papersum.EUNAVAILABLE, "primary %s/%s failed; the fallback %s/%s answered (%s)",
					m.Provider, m.Model, resp.Provider, resp.Model, resp.FallbackReason)
			}
		}
		add("probe "+string(s), err, detail)
	}
}
