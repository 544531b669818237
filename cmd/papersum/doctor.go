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
}

func newDoctorCmd(e *env, g *globalFlags) *cobra.Command {
	var format string
	var probe bool
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
It exits 1 when a check fails.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			rep := runDoctor(c.Context(), e, g, probe)
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
			return nil
		},
	}
	c.Flags().StringVarP(&format, "format", "f", "text", "output format")
	limitFlags(c.Flags(), formatFlag("text", "json"))
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
