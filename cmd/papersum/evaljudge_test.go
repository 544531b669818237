package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// judgePaper is a short paper written for these tests.
const judgePaper = `# Group commit for a small job queue

## Abstract

We present a group commit scheme for a job queue stored in SQLite.
Writers wait up to two milliseconds so that one fsync commits many jobs.
On a laptop the scheme raises throughput from 900 to 7,400 jobs per second.
Latency at the 99th percentile stays below 12 milliseconds.

## Introduction

Job queues that store jobs in SQLite pay one fsync per transaction.
The fsync dominates the cost of a small insert on ordinary disks.
Group commit is an old idea from database systems that batches such commits.
We apply it to the queue and measure what it costs in latency.

## Results

Throughput rises with the batch window until the disk saturates.
A window of two milliseconds gives most of the gain.
`

type judgeJSON struct {
	Judge        string `json:"judge"`
	JudgeVersion string `json:"judge_version"`
	Items        []struct {
		ID     string             `json:"id"`
		Scores map[string]float64 `json:"scores"`
		Issues []string           `json:"issues"`
	} `json:"items"`
	Correlations map[string]map[string]struct {
		N                          int
		Pearson, Spearman, Kendall struct{ Value, Low, High *float64 }
	} `json:"correlations"`
}

func TestEvalJudgeOne(t *testing.T) {
	file := writeFiles(t)
	paper := file("paper.md", judgePaper)
	good := file("good.txt", "We present a group commit scheme for a job queue stored in SQLite. "+
		"On a laptop the scheme raises throughput from 900 to 7,400 jobs per second.")
	bad := file("bad.txt", "We present a group commit scheme for a job queue stored in SQLite. "+
		"On a laptop the scheme raises throughput from 900 to 93,100 jobs per second on Kubernetes.")
	scores := func(summary string) judgeJSON {
		t.Helper()
		r := cli(t, "", "", "eval", "judge", "--paper", paper, "--summary", summary, "--format", "json")
		if r.err != nil {
			t.Fatalf("%v\n%s", r.err, r.stderr)
		}
		var out judgeJSON
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, r.stdout)
		}
		return out
	}
	g, b := scores(good), scores(bad)
	if g.Judge != "local" || g.JudgeVersion != "local-critique/4" || len(g.Items) != 1 {
		t.Fatalf("output %+v", g)
	}
	for _, k := range []string{"accuracy", "completeness", "clarity", "coherence", "overall"} {
		if _, ok := g.Items[0].Scores[k]; !ok {
			t.Errorf("no %s score", k)
		}
	}
	if b.Items[0].Scores["accuracy"] >= g.Items[0].Scores["accuracy"] {
		t.Errorf("invented number and name not caught: %v vs %v", b.Items[0].Scores, g.Items[0].Scores)
	}
	if !strings.Contains(strings.Join(b.Items[0].Issues, "\n"), "93,100") || !strings.Contains(strings.Join(b.Items[0].Issues, "\n"), "Kubernetes") {
		t.Errorf("issues do not name the spans: %q", b.Items[0].Issues)
	}
	r := cli(t, "", "", "eval", "judge", "--paper", paper, "--summary", bad)
	if r.err != nil || !strings.Contains(r.stdout, "accuracy") || !strings.Contains(r.stdout, "93,100") || !strings.Contains(r.stdout, "local-critique/4") {
		t.Errorf("text output: %v\n%s", r.err, r.stdout)
	}
}

func TestEvalJudgeDataset(t *testing.T) {
	file := writeFiles(t)
	paperFile := file("paper.md", judgePaper)
	src := strings.ReplaceAll(judgePaper, "#", "")
	var lines []string
	add := func(id string, source any, summary string, human string) {
		rec := map[string]any{"id": id, "summary": summary}
		switch s := source.(type) {
		case string:
			rec["source"] = s
		case fileRef:
			rec["source_file"] = string(s)
		}
		data, _ := json.Marshal(rec)
		line := string(data)
		if human != "" {
			line = strings.TrimSuffix(line, "}") + `,"human":` + human + "}"
		}
		lines = append(lines, line)
	}
	faithful := []string{
		"We present a group commit scheme for a job queue stored in SQLite.",
		"Writers wait up to two milliseconds so that one fsync commits many jobs.",
		"On a laptop the scheme raises throughput from 900 to 7,400 jobs per second.",
	}
	invented := []string{
		"Google built a quantum scheduler for Kubernetes clusters in 2031.",
		"It cuts cloud bills by 87 percent across 4,000 Amazon regions.",
		"Microsoft adopted it for Azure after trials in Oslo.",
	}
	for i := range 6 {
		fluency := ""
		if i < 3 {
			fluency = fmt.Sprintf(`, "fluency": %d`, 3+i)
		}
		add(fmt.Sprintf("good%d", i), src, faithful[i%3]+" "+faithful[(i+1+i/3)%3], `{"consistency": 1`+fluency+`}`)
		add(fmt.Sprintf("bad%d", i), src, invented[i%3]+" "+invented[(i+1+i/3)%3], `{"consistency": 0}`)
	}
	add("file", fileRef(paperFile), faithful[0], "")
	ds := file("judged.jsonl", strings.Join(lines, "\n")+"\n")
	r := cli(t, "", "", "eval", "judge", "--dataset", "jsonl:"+ds, "--format", "json", "--resamples", "200")
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.stderr)
	}
	var out judgeJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if len(out.Items) != 13 || out.Items[12].ID != "file" {
		t.Fatalf("items %+v", out.Items)
	}
	for _, dim := range []string{"accuracy", "completeness", "clarity", "coherence", "overall"} {
		// A dimension that scores every item alike has no correlation
		// (null), but it is listed.
		c, ok := out.Correlations[dim]["consistency"]
		if !ok || c.N != 12 || ((dim == "accuracy" || dim == "overall") && (c.Pearson.Value == nil || c.Spearman.Value == nil || c.Kendall.Value == nil)) {
			t.Errorf("%s: correlations %+v", dim, out.Correlations[dim])
		}
		if f, ok := out.Correlations[dim]["fluency"]; !ok || f.N != 3 {
			t.Errorf("%s: fluency over %+v, want 3 items", dim, f)
		}
	}
	acc := out.Correlations["accuracy"]["consistency"]
	if *acc.Pearson.Value < 0.8 || *acc.Kendall.Value < 0.6 || acc.Pearson.Low == nil || *acc.Pearson.Low > *acc.Pearson.Value || *acc.Pearson.High < *acc.Pearson.Value {
		t.Errorf("accuracy vs consistency: %+v", acc)
	}
	r = cli(t, "", "", "eval", "judge", "--dataset", "jsonl:"+ds, "--resamples", "200")
	if r.err != nil || !strings.Contains(r.stdout, "consistency") || !strings.Contains(r.stdout, "pearson") {
		t.Errorf("text output: %v\n%s", r.err, r.stdout)
	}
}

type fileRef string

func TestEvalJudgeErrors(t *testing.T) {
	file := writeFiles(t)
	paper := file("paper.md", judgePaper)
	summary := file("s.txt", "We present a group commit scheme.")
	empty := file("empty.txt", "  \n")
	usage := [][]string{
		{"eval", "judge"},
		{"eval", "judge", "--paper", paper},
		{"eval", "judge", "--summary", summary},
		{"eval", "judge", "--dataset", "scisummnet:x"},
		{"eval", "judge", "--dataset", "jsonl:x", "--paper", paper},
		{"eval", "judge", "--paper", paper, "--summary", summary, "--format", "xml"},
		{"eval", "judge", "--paper", paper, "--summary", summary, "--resamples", "5"},
	}
	for _, args := range usage {
		if r := cli(t, "", "", args...); r.code != 2 {
			t.Errorf("%q: exit %d, want 2 (%v)", args, r.code, r.err)
		}
	}
	bad := map[string]string{
		"no summary":   `{"id": "a", "source": "Some text here. More text here. And more."}`,
		"both sources": `{"id": "a", "source": "x", "source_file": "y", "summary": "s"}`,
		"no source":    `{"id": "a", "summary": "s"}`,
		"not json":     `{"id": "a",`,
		"unknown key":  `{"id": "a", "source": "x", "summary": "s", "rating": 3}`,
		"repeated id":  `{"id": "a", "source": "x y z.", "summary": "s"}` + "\n" + `{"id": "a", "source": "x", "summary": "s"}`,
		"bad human":    `{"id": "a", "source": "x", "summary": "s", "human": {"c": "high"}}`,
	}
	for name, body := range bad {
		ds := file(strings.ReplaceAll(name, " ", "_")+".jsonl", body+"\n")
		r := cli(t, "", "", "eval", "judge", "--dataset", "jsonl:"+ds)
		if r.code != 1 || !strings.Contains(r.stderr+r.err.Error(), "line") {
			t.Errorf("%s: exit %d, %v", name, r.code, r.err)
		}
	}
	for _, args := range [][]string{
		{"eval", "judge", "--paper", paper, "--summary", empty},
		{"eval", "judge", "--paper", paper, "--summary", file("x", "") + ".missing"},
		{"eval", "judge", "--paper", paper + ".missing", "--summary", summary},
	} {
		if r := cli(t, "", "", args...); r.code != 1 {
			t.Errorf("%q: exit %d, want 1 (%v)", args, r.code, r.err)
		}
	}
}
