package anthropic

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// spanLog is a TracerProvider that records the names and attributes of the
// spans started through it.
type spanLog struct {
	noop.TracerProvider
	mu    sync.Mutex
	names []string
	attrs []string
}

func (l *spanLog) Tracer(string, ...trace.TracerOption) trace.Tracer { return spanTracer{log: l} }

type spanTracer struct {
	noop.Tracer
	log *spanLog
}

func (t spanTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	cfg := trace.NewSpanStartConfig(opts...)
	t.log.mu.Lock()
	t.log.names = append(t.log.names, name)
	t.log.mu.Unlock()
	t.log.add(cfg.Attributes()...)
	return ctx, &span{log: t.log}
}

type span struct {
	noop.Span
	log *spanLog
}

func (s *span) SetAttributes(kv ...attribute.KeyValue) { s.log.add(kv...) }
func (s *span) IsRecording() bool                      { return true }

func (l *spanLog) add(kv ...attribute.KeyValue) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, a := range kv {
		l.attrs = append(l.attrs, fmt.Sprintf("%s=%s", a.Key, a.Value.String()))
	}
}

func TestTracing(t *testing.T) {
	// Content mode from the environment must not put the paper in spans.
	t.Setenv("ANTHROPIC_OPEN_TELEMETRY_TRACES_CONTENT_MODE", "content")

	t.Run("off by default, even with a global provider", func(t *testing.T) {
		global := &spanLog{}
		prev := otel.GetTracerProvider()
		otel.SetTracerProvider(global)
		defer otel.SetTracerProvider(prev)
		c := serve(t, &recorder{answer: jsonAnswer(200, cannedMessage)})
		if _, err := c.Generate(background(t), baseRequest()); err != nil {
			t.Fatal(err)
		}
		if len(global.names) != 0 {
			t.Errorf("spans %v without a TracerProvider", global.names)
		}
	})
	t.Run("metadata only with a provider", func(t *testing.T) {
		tp := &spanLog{}
		c := serve(t, &recorder{answer: jsonAnswer(200, cannedMessage)}, func(cfg *Config) { cfg.TracerProvider = tp })
		if _, err := c.Generate(background(t), baseRequest()); err != nil {
			t.Fatal(err)
		}
		if len(tp.names) == 0 {
			t.Fatal("no span")
		}
		all := strings.Join(tp.attrs, "\n")
		for _, secret := range []string{"PAPER TEXT", "Summarize the paper", "<summary>Hello", testKey} {
			if strings.Contains(all, secret) {
				t.Errorf("span attributes carry %q:\n%s", secret, all)
			}
		}
	})
}
