package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/papersum/papersum"
)

// The names of the pipeline's spans. A run is one SpanRun with a child
// SpanStage per stage call ("papersum.stage summarize", ...), whose
// children are the model calls (telemetry.NewGenAIModel) and the store
// commits (SpanStoreCommit).
const (
	SpanRun         = "papersum.run"
	SpanStage       = "papersum.stage"
	SpanStoreCommit = "papersum.store.commit"
)

// Attribute keys of papersum's spans and log lines.
const (
	AttrRunID   = attribute.Key("papersum.run.id")
	AttrPaperID = attribute.Key("papersum.paper.id")
	AttrStage   = attribute.Key("papersum.stage")
	AttrAttempt = attribute.Key("papersum.attempt")
	AttrCommit  = attribute.Key("papersum.store.operation")
)

const tracerName = "github.com/papersum/papersum/pipeline"

// startRun starts the span of one attempt at run.
func (r *Runner) startRun(ctx context.Context, run *papersum.Run) (context.Context, trace.Span) {
	ctx, span := r.tracer.Start(ctx, SpanRun)
	if span.IsRecording() {
		span.SetAttributes(AttrRunID.String(run.ID), AttrPaperID.String(run.PaperID),
			AttrAttempt.Int(papersum.JobAttempt(ctx)), attribute.String("papersum.config_hash", run.ConfigHash))
	}
	return ctx, span
}

// endRun ends the run span with the run's outcome.
func endRun(span trace.Span, run *papersum.Run, err error) {
	if span.IsRecording() && run != nil {
		u := run.TotalUsage()
		span.SetAttributes(attribute.String("papersum.run.status", string(run.Status)),
			attribute.Float64("papersum.cost_usd", run.TotalCost()),
			semconv.GenAIUsageInputTokens(int(u.TotalInput())), semconv.GenAIUsageOutputTokens(int(u.OutputTokens)))
		if run.RevisedScores != nil {
			evaluationEvents(span, "revised.", run.RevisedScores)
		}
	}
	endSpan(span, err)
}

// startStage starts the span of one stage call.
func (r *Runner) startStage(ctx context.Context, run *papersum.Run, stage papersum.Stage) (context.Context, trace.Span) {
	ctx, span := r.tracer.Start(ctx, SpanStage+" "+string(stage))
	if span.IsRecording() {
		m := r.stages[stage]
		span.SetAttributes(AttrRunID.String(run.ID), AttrStage.String(string(stage)),
			semconv.GenAIProviderNameKey.String(m.Provider), semconv.GenAIRequestModel(m.Model))
	}
	return ctx, span
}

// startCommit starts the span of a store write.
func (r *Runner) startCommit(ctx context.Context, op string) (context.Context, trace.Span) {
	ctx, span := r.tracer.Start(ctx, SpanStoreCommit+" "+op)
	if span.IsRecording() {
		span.SetAttributes(AttrCommit.String(op))
	}
	return ctx, span
}

// endSpan ends span, marking it failed with err's class when err is set.
func endSpan(span trace.Span, err error) {
	if err != nil && span.IsRecording() {
		class := string(papersum.ClassOf(err))
		if class == "" {
			class = "_OTHER"
		}
		span.SetAttributes(semconv.ErrorTypeKey.String(class))
		span.SetStatus(codes.Error, papersum.ErrorMessage(err))
	}
	span.End()
}

// evaluationEvents adds one gen_ai.evaluation.result event per score
// dimension and the overall, as the GenAI conventions describe the
// evaluation of a model's output. The critique's free-text explanation is
// not recorded: it quotes the summary.
func evaluationEvents(span trace.Span, prefix string, s *papersum.Scores) {
	dims := []struct {
		name string
		v    float64
	}{{"accuracy", s.Accuracy}, {"completeness", s.Completeness}, {"clarity", s.Clarity},
		{"coherence", s.Coherence}, {"overall", s.Overall()}}
	for _, d := range dims {
		span.AddEvent("gen_ai.evaluation.result", trace.WithAttributes(
			semconv.GenAIEvaluationNameKey.String(prefix+d.name),
			semconv.GenAIEvaluationScoreValueKey.Float64(d.v),
			attribute.String("papersum.judge", s.Judge)))
	}
}

// runLog returns the logger of the lines about run: every one carries
// run_id, paper_id, attempt, and (With) the stage and model it is about.
func (r *Runner) runLog(ctx context.Context, run *papersum.Run) *slog.Logger {
	return r.logger.With("run_id", run.ID, "paper_id", run.PaperID, "attempt", papersum.JobAttempt(ctx))
}

// logSucceeded writes the completion line of run: its latency (from its
// start to its finish, over every attempt, and of this attempt), tokens,
// cost and quality scores.
func (r *Runner) logSucceeded(ctx context.Context, log *slog.Logger, run *papersum.Run, last *papersum.StageResult, attempt time.Duration) {
	u := run.TotalUsage()
	began := run.CreatedAt
	if run.StartedAt != nil {
		began = *run.StartedAt
	}
	args := []any{"stage", string(papersum.StageRevise), "model", last.Model,
		"latency", run.FinishedAt.Sub(began), "attempt_latency", attempt,
		"input_tokens", u.TotalInput(), "output_tokens", u.OutputTokens,
		"cache_read_tokens", u.CacheReadTokens, "cost_usd", run.TotalCost()}
	if s := run.Scores; s != nil {
		args = append(args, "score_overall", s.Overall(), "score_accuracy", s.Accuracy,
			"score_completeness", s.Completeness, "score_clarity", s.Clarity, "score_coherence", s.Coherence)
	}
	if s := run.RevisedScores; s != nil {
		args = append(args, "revised_score_overall", s.Overall())
	}
	log.InfoContext(ctx, "run succeeded", args...)
}

// stageOf is the stage a run's error names, "" when none.
func stageOf(err error) papersum.Stage {
	var pe *papersum.ProviderError
	if errors.As(err, &pe) {
		return pe.Stage
	}
	return ""
}

// modelOf is the configured model of stage, "" for no stage.
func (r *Runner) modelOf(stage papersum.Stage) string {
	if stage == "" {
		return ""
	}
	return r.stages[stage].Model
}
