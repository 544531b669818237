package fakeupstream

import (
	"context"
	"crypto/sha256"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ingest"
	"github.com/papersum/papersum/llm/local"
)

// conv is a chat request in the form both APIs share: system blocks, then
// messages of blocks. Cache marks are kept for Anthropic's prompt caching.
type conv struct {
	model       string
	system      []block
	messages    []message
	maxTokens   int64 // 0: no bound
	temperature *float64
	stop        []string
}

type message struct {
	role   string
	blocks []block
}

type block struct {
	text string
	// ttl is "" when the block carries no cache_control, else "5m" or "1h".
	ttl string
}

// isRepair reports whether c continues a conversation: a turn follows the
// first user message.
func (c *conv) isRepair() bool {
	for i, m := range c.messages {
		if m.role == "user" {
			return i < len(c.messages)-1
		}
	}
	return false
}

// stopKind is why a reply ended, in API-neutral terms.
type stopKind int

const (
	stopEnd stopKind = iota
	stopMaxTokens
	stopSequence
)

// reply is the text answered to a request and why it ended.
type reply struct {
	text    string
	stop    stopKind
	stopSeq string
	// output is the estimated number of output tokens.
	output int64
}

// genericReply answers requests that ask for none of the stages.
const genericReply = "This is papersum's fake upstream. It answers the summarize, critique and revise prompts of papersum's pipeline; this request asked for none of them."

// stage markers: the output contract each prompt asks for. They are
// checked in this order because the critique and revise prompts also show
// the draft inside <summary> tags.
var stageMarkers = []struct {
	stage  papersum.Stage
	marker string
}{
	{papersum.StageRevise, "<revised_summary>"},
	{papersum.StageCritique, "<critique>"},
	{papersum.StageSummarize, "<summary>"},
}

var (
	// promptStartRE finds where a stage prompt begins when an adapter sent
	// the paper and the prompt in one block ("The paper ... is given above").
	promptStartRE = regexp.MustCompile(`The paper(?: "[^"\n]*")? is given above`)
	aboutWordsRE  = regexp.MustCompile(`about (\d+) words`)
	targetLenRE   = regexp.MustCompile(`target length (\d+) words`)
	draftRE       = regexp.MustCompile(`(?s)<summary>\n?(.*?)\n?</summary>`)
	scoresRE      = regexp.MustCompile(`accuracy ([\d.]+), completeness ([\d.]+), clarity ([\d.]+), coherence ([\d.]+)`)
	issuesRE      = regexp.MustCompile(`(?s)raised these issues:\n(.*?)\n\s*\n?Rewrite`)
	tagsRE        = regexp.MustCompile(`</?[A-Za-z_][A-Za-z0-9_]*>`)
)

// segment is one piece of the first user turn (or the system prompt):
// either the paper, a stage prompt, or other instructions.
type segment struct {
	text   string
	cached bool
}

// parsed is what the fake understood of a request.
type parsed struct {
	stage  papersum.Stage // "" when no stage was recognised
	paper  string
	prompt string
}

// understand finds the stage, the paper and the stage prompt in c. The
// stage prompt is the last segment of the first user message that holds
// a stage marker; the paper is the first cache-marked segment, else the
// longest segment that is not the prompt.
func understand(c *conv) parsed {
	var segs []segment
	add := func(b block) {
		t := b.text
		if loc := promptStartRE.FindStringIndex(t); loc != nil && loc[0] > 0 {
			segs = append(segs, segment{text: t[:loc[0]], cached: b.ttl != ""}, segment{text: t[loc[0]:]})
			return
		}
		segs = append(segs, segment{text: t, cached: b.ttl != ""})
	}
	for _, b := range c.system {
		add(b)
	}
	// Later turns (a repair request, the model's own earlier output) are
	// not searched: the stage and the paper are those of the first turn.
	for _, m := range c.messages {
		if m.role == "user" || m.role == "system" || m.role == "developer" {
			for _, b := range m.blocks {
				add(b)
			}
			if m.role == "user" {
				break
			}
		}
	}
	var p parsed
	promptIdx := -1
	for i := len(segs) - 1; i >= 0 && promptIdx < 0; i-- {
		for _, sm := range stageMarkers {
			if strings.Contains(segs[i].text, sm.marker) {
				p.stage, p.prompt, promptIdx = sm.stage, segs[i].text, i
				break
			}
		}
	}
	paperIdx := -1
	for i, s := range segs {
		if i != promptIdx && s.cached {
			paperIdx = i
			break
		}
	}
	if paperIdx < 0 {
		for i, s := range segs {
			if i != promptIdx && (paperIdx < 0 || len(s.text) > len(segs[paperIdx].text)) {
				paperIdx = i
			}
		}
	}
	if paperIdx >= 0 {
		p.paper = segs[paperIdx].text
	}
	return p
}

// papers keeps the last few parsed papers: the three stages of a run send
// the same paper, and parsing it is most of a request's cost after the
// engine's own work (which the engine caches itself).
type papers struct {
	mu      sync.Mutex
	entries []paperEntry // most recent first
}

type paperEntry struct {
	key   [sha256.Size]byte
	paper *papersum.Paper // nil when the text is not a paper
}

const paperCacheSize = 8

func (ps *papers) get(ctx context.Context, text string) *papersum.Paper {
	key := sha256.Sum256([]byte(text))
	ps.mu.Lock()
	for i, e := range ps.entries {
		if e.key == key {
			copy(ps.entries[1:i+1], ps.entries[:i])
			ps.entries[0] = e
			ps.mu.Unlock()
			return e.paper
		}
	}
	ps.mu.Unlock()
	p, err := ingest.Parse(ctx, "paper.md", []byte(text), ingest.Options{})
	if err != nil {
		p = nil
	}
	ps.mu.Lock()
	ps.entries = append([]paperEntry{{key: key, paper: p}}, ps.entries...)
	if len(ps.entries) > paperCacheSize {
		ps.entries = ps.entries[:paperCacheSize]
	}
	ps.mu.Unlock()
	return p
}

// answer writes the well-formed answer to c: the local engine's output
// for a recognised stage, a short generic text otherwise.
func (s *Server) answer(ctx context.Context, c *conv, p parsed) string {
	if p.stage == "" {
		return genericReply
	}
	task := papersum.Task{Stage: p.stage, TargetWords: 150}
	re := aboutWordsRE
	if p.stage == papersum.StageCritique {
		re = targetLenRE
	}
	if m := re.FindStringSubmatch(p.prompt); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n > 0 {
			task.TargetWords = n
		}
	}
	if p.stage != papersum.StageSummarize {
		if m := draftRE.FindStringSubmatch(p.prompt); m != nil {
			task.Draft = strings.TrimSpace(m[1])
		}
	}
	if p.stage == papersum.StageRevise {
		task.Critique = parseCritique(p.prompt)
	}
	if p.paper != "" {
		task.Paper = s.papers.get(ctx, p.paper)
	}
	if task.Paper == nil {
		return unreadable(p.stage, task.Draft)
	}
	resp, err := s.engine.Generate(ctx, &papersum.Request{Model: c.model, Task: task})
	if err != nil {
		return unreadable(p.stage, task.Draft)
	}
	if s.cfg.Rewrite != nil {
		return s.cfg.Rewrite(p.stage, resp.Text)
	}
	return resp.Text
}

// unreadable answers a stage whose paper could not be recovered, still in
// the stage's contract: a model that cannot read the paper says so.
func unreadable(stage papersum.Stage, draft string) string {
	switch stage {
	case papersum.StageCritique:
		return local.RenderCritique(papersum.Critique{Issues: []string{"the paper could not be read"}})
	case papersum.StageRevise:
		if draft == "" {
			draft = "The paper could not be read."
		}
		return "<revised_summary>" + local.EscapeXML(draft) + "</revised_summary>"
	}
	return "<summary>The paper could not be read.</summary>"
}

// parseCritique reads the scores and issues that the revise prompt shows.
func parseCritique(prompt string) *papersum.Critique {
	c := &papersum.Critique{Issues: []string{}}
	if m := scoresRE.FindStringSubmatch(prompt); m != nil {
		dst := []*float64{&c.Scores.Accuracy, &c.Scores.Completeness, &c.Scores.Clarity, &c.Scores.Coherence}
		for i, d := range dst {
			*d, _ = strconv.ParseFloat(strings.TrimRight(m[i+1], "."), 64)
		}
	}
	if m := issuesRE.FindStringSubmatch(prompt); m != nil {
		for _, l := range strings.Split(m[1], "\n") {
			l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "- "))
			if l != "" && l != "none" {
				c.Issues = append(c.Issues, l)
			}
		}
	}
	return c
}

// malformed breaks the output contract of text: below one half of the
// variants it strips every tag (prose without the element), above it
// answers the stage's element empty.
func malformed(stage papersum.Stage, text string, variant float64) string {
	if stage == "" {
		return text
	}
	if variant < 0.5 {
		plain := strings.Join(strings.Fields(tagsRE.ReplaceAllString(text, " ")), " ")
		return "Here is my answer. " + plain
	}
	tag := map[papersum.Stage]string{papersum.StageSummarize: "summary",
		papersum.StageCritique: "critique", papersum.StageRevise: "revised_summary"}[stage]
	return "<" + tag + "></" + tag + ">"
}

// finish applies stop sequences, max_tokens and a forced truncation to
// text and counts its output tokens.
func finish(text string, c *conv, truncate bool) reply {
	r := reply{text: text}
	if truncate {
		// Half the reply, and never more than max_tokens allows.
		n := utf8.RuneCountInString(text) / 2
		r.text, r.stop = cutRunes(text, n), stopMaxTokens
	}
	if r.stop == stopEnd {
		first := -1
		for _, seq := range c.stop {
			if seq == "" {
				continue
			}
			if i := strings.Index(r.text, seq); i >= 0 && (first < 0 || i < first) {
				first, r.stopSeq = i, seq
			}
		}
		if first >= 0 {
			r.text, r.stop = r.text[:first], stopSequence
		}
	}
	if c.maxTokens > 0 && local.EstimateTokens(r.text) > c.maxTokens {
		r.text, r.stop, r.stopSeq = cutRunes(r.text, int(c.maxTokens)*4), stopMaxTokens, ""
	}
	r.output = local.EstimateTokens(r.text)
	return r
}

// cutRunes returns the first n runes of s.
func cutRunes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}
