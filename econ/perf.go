package econ

import (
	"math"
	"sort"
	"time"

	"github.com/papersum/papersum"
)

// Quantiles are latency percentiles of a set of samples, by the
// nearest-rank method (the smallest sample with at least p% of the
// samples at or below it), so each is a latency that was observed.
type Quantiles struct {
	Group string        `json:"group"`
	N     int           `json:"n"`
	P50   time.Duration `json:"p50_ns"`
	P95   time.Duration `json:"p95_ns"`
	P99   time.Duration `json:"p99_ns"`
	Max   time.Duration `json:"max_ns"`
	// Total is the sum of the samples.
	Total time.Duration `json:"total_ns"`
}

// LengthBuckets are the upper bounds (words, exclusive) of the paper-length
// buckets; papers at or above the last are in the "≥" bucket.
var LengthBuckets = []int{3000, 6000, 10000}

// LengthBucket names the bucket of a paper of n words.
func LengthBucket(n int) string {
	lo := 0
	for _, hi := range LengthBuckets {
		if n < hi {
			return bucketName(lo, hi)
		}
		lo = hi
	}
	return "≥" + itoa(lo)
}

func bucketName(lo, hi int) string { return itoa(lo) + "–" + itoa(hi-1) }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// quantiles computes q over samples, which it sorts.
func quantiles(group string, samples []time.Duration) Quantiles {
	q := Quantiles{Group: group, N: len(samples)}
	if len(samples) == 0 {
		return q
	}
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	rank := func(p float64) time.Duration {
		i := int(math.Ceil(p/100*float64(len(samples)))) - 1
		return samples[max(i, 0)]
	}
	q.P50, q.P95, q.P99, q.Max = rank(50), rank(95), rank(99), samples[len(samples)-1]
	for _, s := range samples {
		q.Total += s
	}
	return q
}

// PerfReport is a performance report.
type PerfReport struct {
	// Runs is how many finished runs it covers.
	Runs int `json:"runs"`
	// ByStage, ByModel and ByLength are stage latencies per stage, per
	// model and per paper-length bucket (words).
	ByStage  []Quantiles `json:"by_stage"`
	ByModel  []Quantiles `json:"by_model"`
	ByLength []Quantiles `json:"by_length"`
	// QueueWait is from a run's creation to its start; Work from its
	// start to its end.
	QueueWait Quantiles `json:"queue_wait"`
	Work      Quantiles `json:"work"`
	// StageShare is each stage's share of the summed stage latency.
	StageShare map[papersum.Stage]float64 `json:"stage_share"`
	// Throughput is the runs finished per UTC hour with at least one;
	// MeanPerHour is their mean over the hours from the first to the
	// last finish, PeakPerHour the busiest hour.
	Throughput  []HourCount `json:"throughput"`
	MeanPerHour float64     `json:"mean_per_hour"`
	PeakPerHour HourCount   `json:"peak_per_hour"`
	// Slowest are the runs with the longest work time, slowest first.
	Slowest []SlowRun `json:"slowest"`
}

// HourCount is the runs finished in one UTC hour.
type HourCount struct {
	Hour time.Time `json:"hour"`
	Runs int       `json:"runs"`
}

// SlowRun is one of the slowest runs.
type SlowRun struct {
	ID         string        `json:"id"`
	Team       string        `json:"team"`
	PaperWords int           `json:"paper_words"`
	Work       time.Duration `json:"work_ns"`
	QueueWait  time.Duration `json:"queue_wait_ns"`
}

// Perf computes the performance report of s, with the slowest n runs.
func Perf(s *papersum.PerfSamples, n int) *PerfReport {
	rep := &PerfReport{Runs: len(s.Runs), StageShare: map[papersum.Stage]float64{}, ByStage: []Quantiles{}, ByModel: []Quantiles{}, ByLength: []Quantiles{}, Throughput: []HourCount{}, Slowest: []SlowRun{}}
	byStage, byModel, byLength := map[string][]time.Duration{}, map[string][]time.Duration{}, map[string][]time.Duration{}
	var sum time.Duration
	for _, st := range s.Stages {
		byStage[string(st.Stage)] = append(byStage[string(st.Stage)], st.Latency)
		byModel[st.Model] = append(byModel[st.Model], st.Latency)
		byLength[LengthBucket(st.PaperWords)] = append(byLength[LengthBucket(st.PaperWords)], st.Latency)
		sum += st.Latency
	}
	groups := func(m map[string][]time.Duration) []Quantiles {
		out := []Quantiles{}
		for g, v := range m {
			out = append(out, quantiles(g, v))
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Group < out[j].Group })
		return out
	}
	rep.ByStage, rep.ByModel, rep.ByLength = groups(byStage), groups(byModel), groups(byLength)
	for _, q := range rep.ByStage {
		if sum > 0 {
			rep.StageShare[papersum.Stage(q.Group)] = float64(q.Total) / float64(sum)
		}
	}
	waits, works := make([]time.Duration, 0, len(s.Runs)), make([]time.Duration, 0, len(s.Runs))
	hours := map[time.Time]int{}
	slow := make([]SlowRun, 0, len(s.Runs))
	var first, last time.Time
	for _, r := range s.Runs {
		w, k := r.StartedAt.Sub(r.CreatedAt), r.FinishedAt.Sub(r.StartedAt)
		waits, works = append(waits, w), append(works, k)
		h := r.FinishedAt.UTC().Truncate(time.Hour)
		hours[h]++
		if first.IsZero() || h.Before(first) {
			first = h
		}
		if h.After(last) {
			last = h
		}
		slow = append(slow, SlowRun{ID: r.ID, Team: r.Team, PaperWords: r.PaperWords, Work: k, QueueWait: w})
	}
	rep.QueueWait, rep.Work = quantiles("queue_wait", waits), quantiles("work", works)
	for h, c := range hours {
		rep.Throughput = append(rep.Throughput, HourCount{Hour: h, Runs: c})
		if c > rep.PeakPerHour.Runs || (c == rep.PeakPerHour.Runs && h.Before(rep.PeakPerHour.Hour)) {
			rep.PeakPerHour = HourCount{Hour: h, Runs: c}
		}
	}
	sort.Slice(rep.Throughput, func(i, j int) bool { return rep.Throughput[i].Hour.Before(rep.Throughput[j].Hour) })
	if len(s.Runs) > 0 {
		rep.MeanPerHour = float64(len(s.Runs)) / (last.Sub(first).Hours() + 1)
	}
	sort.Slice(slow, func(i, j int) bool {
		if slow[i].Work != slow[j].Work {
			return slow[i].Work > slow[j].Work
		}
		return slow[i].ID < slow[j].ID
	})
	if len(slow) > n {
		slow = slow[:n]
	}
	rep.Slowest = slow
	return rep
}
