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

// Scores are the rubric scores of a summary, each on a 0-10 scale.
type Scores struct {
	Accuracy     float64 `json:"accuracy"`
	Completeness float64 `json:"completeness"`
	Clarity      float64 `json:"clarity"`
	Coherence    float64 `json:"coherence"`
}

// Overall is the weighted mean 40/30/20/10, rounded to two decimals.
func (s Scores) Overall() float64 {
	v := WeightAccuracy*s.Accuracy + WeightCompleteness*s.Completeness +
		WeightClarity*s.Clarity + WeightCoherence*s.Coherence
	return math.Round(v*100) / 100
}

// Critique is the parsed output of the critique stage.
type Critique struct {
	Scores Scores   `json:"scores"`
	Issues []string `json:"issues"`
}
