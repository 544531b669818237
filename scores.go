package papersum

import "math"

// Rubric weights of the four critique dimensions. papersum computes the
// overall score from these; it never trusts an overall from a model.
const (
	WeightAccuracy     = 0.40
	WeightCompleteness = 0.30
	WeightClarity      = 0.20
	WeightCoherence    = 0.10
)

// Scores are the rubric scores of a summary, each on a 0-10 scale, and
// the judge that gave them. Scores of different judges, or of different
// versions of one judge, are not comparable: every score records both.
type Scores struct {
	Accuracy     float64 `json:"accuracy"`
	Completeness float64 `json:"completeness"`
	Clarity      float64 `json:"clarity"`
	Coherence    float64 `json:"coherence"`
	// Judge names who scored: "local" for the local engine's measured
	// critique, else "provider/model". Empty in scores recorded before
	// judges were named.
	Judge string `json:"judge,omitempty"`
	// JudgeVersion is the version of the judge's rubric: the local
	// critique's version ("local-critique/2") or the content hash of the
	// judge or critique prompt a model was given.
	JudgeVersion string `json:"judge_version,omitempty"`
}

// Dimensions returns the four dimension scores, without the judge, so
// that scores of the same summary can be compared whoever gave them.
func (s Scores) Dimensions() [4]float64 {
	return [4]float64{s.Accuracy, s.Completeness, s.Clarity, s.Coherence}
}

// Overall is the weighted mean 40/30/20/10, rounded to three decimals:
// exact for dimensions given to two decimals (the local critique's
// precision), so that rounding never makes two different sets of scores
// tie.
func (s Scores) Overall() float64 {
	v := WeightAccuracy*s.Accuracy + WeightCompleteness*s.Completeness +
		WeightClarity*s.Clarity + WeightCoherence*s.Coherence
	return math.Round(v*1000) / 1000
}

// Critique is the parsed output of the critique stage.
type Critique struct {
	Scores Scores   `json:"scores"`
	Issues []string `json:"issues"`
}
