package telemetry

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/papersum/papersum"
)

// SemconvVersion is the release of the OpenTelemetry semantic conventions
// that papersum's spans and GenAI metrics follow. The GenAI conventions
// are at "Development" status; v1.41.0 is the last release whose Go
// module (go.opentelemetry.io/otel/semconv) carries them, with the cache
// token attributes (added in v1.40.0) and the gen_ai.evaluation.result
// event's attributes (v1.38.0).
const SemconvVersion = "1.41.0"

// TracerName is the instrumentation scope of papersum's spans.
const TracerName = "github.com/papersum/papersum"

// OperationChat is the gen_ai.operation.name of papersum's model calls:
// every adapter sends a chat-shaped request (system prompt, user turns).
const OperationChat = "chat"

// ErrorTypeOther is error.type for a failure without a papersum class, as
// the conventions name the fallback value.
const ErrorTypeOther = "_OTHER"

// EventEvaluationResult is the name of the GenAI evaluation event.
const EventEvaluationResult = "gen_ai.evaluation.result"

// GenAICall is one finished model call, for the GenAI client metrics.
type GenAICall struct {
	Provider      string
	RequestModel  string
	ResponseModel string
	// ErrorType is "" for a success, else the failure class.
	ErrorType string
	Duration  time.Duration
	// Usage is nil when the call failed.
	Usage *papersum.Usage
}

// GenAIObserver receives every model call a GenAI decorator makes.
type GenAIObserver interface {
	ObserveGenAI(c GenAICall)
}

// GenAIConfig configures NewGenAIModel. Zero values take the documented
// defaults.
type GenAIConfig struct {
	// Provider is gen_ai.provider.name: "anthropic", "openai" (every
	// OpenAI-compatible server) or "papersum.local" for the offline
	// engine. Required.
	Provider string
	// TracerProvider makes the spans. Default: a no-op provider.
	TracerProvider trace.TracerProvider
	// Observer receives each call for the GenAI metrics. Default nil.
	Observer GenAIObserver
	// RecordContent records the system prompt, the input messages (the
	// paper included) and the output on the span as
	// gen_ai.system_instructions, gen_ai.input.messages and
	// gen_ai.output.messages. Default false: no text of a prompt, a paper
	// or an answer is ever recorded.
	RecordContent bool
	// Clock times the calls for the duration metric. Default
	// papersum.SystemClock.
	Clock papersum.Clock
}

// NewGenAIModel wraps next so that each call is a span following the
// OpenTelemetry GenAI client conventions (SemconvVersion) and is reported
// to the observer. Wrap the adapter itself, inside the retry layer: each
// attempt is then one span, a child of whatever the caller's context
// holds (the pipeline's stage span), and the retry, breaker and fallback
// decisions are events on that parent.
func NewGenAIModel(next papersum.Model, cfg GenAIConfig) papersum.Model {
	if cfg.TracerProvider == nil {
		cfg.TracerProvider = noop.NewTracerProvider()
	}
	if cfg.Clock == nil {
		cfg.Clock = papersum.SystemClock{}
	}
	return &genAIModel{next: next, cfg: cfg,
		tracer: cfg.TracerProvider.Tracer(TracerName, trace.WithSchemaURL(semconv.SchemaURL))}
}

type genAIModel struct {
	next   papersum.Model
	cfg    GenAIConfig
	tracer trace.Tracer
}

// Unwrap returns the wrapped model, so that callers looking for an
// adapter's optional interfaces (papersum.MessageBatcher) still find them.
func (g *genAIModel) Unwrap() papersum.Model { return g.next }

func (g *genAIModel) Generate(ctx context.Context, req *papersum.Request) (*papersum.Response, error) {
	ctx, span := g.tracer.Start(ctx, OperationChat+" "+req.Model, trace.WithSpanKind(trace.SpanKindClient))
	rec := span.IsRecording()
	if rec {
		span.SetAttributes(requestAttrs(g.cfg.Provider, req, g.cfg.RecordContent)...)
	}
	start := g.cfg.Clock.Now()
	resp, err := g.next.Generate(ctx, req)
	call := GenAICall{Provider: g.cfg.Provider, RequestModel: req.Model, Duration: g.cfg.Clock.Now().Sub(start)}
	if err != nil {
		call.ErrorType = ErrorType(err)
		if rec {
			span.SetAttributes(semconv.ErrorTypeKey.String(call.ErrorType))
			span.SetStatus(codes.Error, papersum.ErrorMessage(err))
		}
	} else if resp != nil {
		call.ResponseModel, call.Usage = resp.Model, &resp.Usage
		if rec {
			span.SetAttributes(responseAttrs(resp, g.cfg.RecordContent)...)
		}
	}
	span.End()
	if g.cfg.Observer != nil {
		g.cfg.Observer.ObserveGenAI(call)
	}
	return resp, err
}

// ErrorType is error.type of a failed call: its papersum failure class,
// "canceled" when the caller's context ended, ErrorTypeOther otherwise.
func ErrorType(err error) string {
	if c := papersum.ClassOf(err); c != "" {
		return string(c)
	}
	if err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return "canceled"
	}
	return ErrorTypeOther
}

func requestAttrs(provider string, req *papersum.Request, content bool) []attribute.KeyValue {
	kv := make([]attribute.KeyValue, 0, 8)
	kv = append(kv,
		semconv.GenAIOperationNameKey.String(OperationChat),
		semconv.GenAIProviderNameKey.String(provider),
		semconv.GenAIRequestModel(req.Model),
	)
	if req.MaxTokens > 0 {
		kv = append(kv, semconv.GenAIRequestMaxTokens(req.MaxTokens))
	}
	if req.Temperature != nil {
		kv = append(kv, semconv.GenAIRequestTemperature(*req.Temperature))
	}
	if req.Task.Stage != "" {
		kv = append(kv, attribute.String("papersum.stage", string(req.Task.Stage)))
	}
	if content {
		kv = append(kv, semconv.GenAISystemInstructionsKey.String(systemJSON(req.System)),
			semconv.GenAIInputMessagesKey.String(messagesJSON(inputMessages(req))))
	}
	return kv
}

func responseAttrs(resp *papersum.Response, content bool) []attribute.KeyValue {
	u := resp.Usage
	kv := []attribute.KeyValue{
		semconv.GenAIResponseModel(resp.Model),
		semconv.GenAIResponseFinishReasons(string(resp.StopReason)),
		// input_tokens counts every input token, the cached ones
		// included, as the conventions ask; Anthropic reports cache
		// reads and writes apart, and they are given apart too.
		semconv.GenAIUsageInputTokens(int(u.TotalInput())),
		semconv.GenAIUsageOutputTokens(int(u.OutputTokens)),
		semconv.GenAIUsageCacheReadInputTokens(int(u.CacheReadTokens)),
		semconv.GenAIUsageCacheCreationInputTokens(int(u.CacheCreation5mTokens + u.CacheCreation1hTokens)),
	}
	if resp.Provider != "" {
		kv = append(kv, attribute.String("papersum.response.provider", resp.Provider))
	}
	if resp.FallbackReason != "" {
		kv = append(kv, attribute.String("papersum.fallback_reason", resp.FallbackReason))
	}
	if content {
		kv = append(kv, semconv.GenAIOutputMessagesKey.String(messagesJSON([]message{{
			Role: "assistant", Parts: []part{{Type: "text", Content: resp.Text}}, FinishReason: string(resp.StopReason)}})))
	}
	return kv
}

// message and part are the JSON shapes of gen_ai.input.messages and
// gen_ai.output.messages in the conventions.
type message struct {
	Role         string `json:"role"`
	Parts        []part `json:"parts"`
	FinishReason string `json:"finish_reason,omitempty"`
}

type part struct {
	Type    string `json:"type"`
	Content string `json:"content"`
}

func inputMessages(req *papersum.Request) []message {
	first := message{Role: "user"}
	if req.Paper != nil {
		first.Parts = append(first.Parts, part{Type: "text", Content: req.Paper.Text})
	}
	first.Parts = append(first.Parts, part{Type: "text", Content: req.Prompt})
	out := []message{first}
	for _, t := range req.Turns {
		out = append(out, message{Role: string(t.Role), Parts: []part{{Type: "text", Content: t.Text}}})
	}
	return out
}

func systemJSON(system string) string {
	b, _ := json.Marshal([]part{{Type: "text", Content: system}})
	return string(b)
}

func messagesJSON(ms []message) string {
	b, _ := json.Marshal(ms)
	return string(b)
}
