package deptest

// Layer is where a package stands in papersum's layering (see
// ../shared/STYLE.md, "Layers"). Imports point inward: each layer may
// import only the layers MayImport lists for it.
type Layer string

// The layers, from the inside out.
const (
	// LayerRoot is the root package: domain types, ports, Validate, errors.
	LayerRoot Layer = "root"
	// LayerHelper is a small internal package of the standard library and
	// the root only (pause, atomicfile, storeutil, ...).
	LayerHelper Layer = "helper"
	// LayerPure is a package of pure functions over numbers and texts.
	LayerPure Layer = "pure"
	// LayerAdapter wraps one dependency (a database, a provider's SDK, a
	// cache, Prometheus) behind the root's interfaces.
	LayerAdapter Layer = "adapter"
	// LayerTransport takes requests from outside (HTTP, Kafka, signed
	// webhooks) and calls the use cases through the root's contracts.
	LayerTransport Layer = "transport"
	// LayerUseCase runs papersum's work: the pipeline, the service, the
	// batch command's directory runs.
	LayerUseCase Layer = "usecase"
	// LayerSuite is a conformance suite or fake that tests import.
	LayerSuite Layer = "suite"
	// LayerWiring is a main package: the only place that knows every
	// concrete type.
	LayerWiring Layer = "wiring"
)

// Telemetry is the one adapter that transports and use cases may import:
// metrics and logging set-up are everybody's.
const Telemetry = "telemetry"

// MayImport lists, for each layer, the layers whose packages it may
// import. An adapter never imports another adapter: two adapters meet
// through the root's interfaces, wired by cmd.
var MayImport = map[Layer][]Layer{
	LayerRoot:      {},
	LayerHelper:    {LayerRoot, LayerHelper},
	LayerPure:      {LayerRoot, LayerHelper, LayerPure},
	LayerAdapter:   {LayerRoot, LayerHelper, LayerPure},
	LayerTransport: {LayerRoot, LayerHelper},
	// A use case may build on another (the service runs the pipeline).
	LayerUseCase: {LayerRoot, LayerHelper, LayerPure, LayerUseCase},
	LayerSuite:   {LayerRoot, LayerHelper, LayerPure, LayerAdapter, LayerTransport, LayerUseCase, LayerSuite},
	LayerWiring:  {LayerRoot, LayerHelper, LayerPure, LayerAdapter, LayerTransport, LayerUseCase, LayerSuite},
}

// Layers places every package of the module, by its path below Root (""
// is the root). A new package gets its line in the commit that adds it;
// TestLayers fails for a package without one. Lines of packages that are
// not in this tree are allowed, so that branches adding packages merge
// without a conflict here.
var Layers = map[string]Layer{
	"": LayerRoot,

	"internal/atomicfile":  LayerHelper,
	"internal/deptest":     LayerHelper,
	"internal/devdata":     LayerHelper,
	"internal/faultproxy":  LayerHelper,
	"internal/groupcommit": LayerHelper,
	"internal/pause":       LayerHelper,
	"internal/pdfgen":      LayerHelper,
	"internal/pgtest":      LayerHelper,
	"internal/redistest":   LayerHelper,
	"internal/rungen":      LayerHelper,
	"internal/runtest":     LayerHelper,
	"internal/storeutil":   LayerHelper,

	"config":               LayerPure,
	"drift":                LayerPure,
	"drift/signals":        LayerPure,
	"forecast":             LayerPure,
	"anomaly":              LayerPure,
	"anomaly/watch":        LayerUseCase,
	"slo":                  LayerPure,
	"deploy/observability": LayerPure,
	"deploy/helm":          LayerPure,
	"econ":                 LayerPure,
	"eval":                 LayerPure,
	"eval/dataset":         LayerPure,
	"eval/human":           LayerPure,
	"eval/perturb":         LayerPure,
	"eval/rouge":           LayerPure,
	"ingest":               LayerPure,
	"ingest/pdftext":       LayerPure,
	"ingest/sentences":     LayerPure,
	"llm/pricing":          LayerPure,
	"report":               LayerPure,
	"stats":                LayerPure,
	"textproc":             LayerPure,
	"textproc/prose":       LayerPure,

	"apikey":            LayerAdapter,
	"cache":             LayerAdapter,
	"depwait":           LayerAdapter,
	"fetch":             LayerAdapter,
	"llm":               LayerAdapter,
	"llm/anthropic":     LayerAdapter,
	"llm/local":         LayerAdapter,
	"llm/openai":        LayerAdapter,
	"postgres":          LayerAdapter,
	"queue":             LayerAdapter,
	"ratelimit":         LayerAdapter,
	"sqlite":            LayerAdapter,
	"telemetry":         LayerAdapter,
	"telemetry/tracing": LayerAdapter,

	"events":  LayerTransport,
	"httpapi": LayerTransport,
	"webhook": LayerTransport,

	"dirrun":     LayerUseCase,
	"budget":     LayerUseCase,
	"driftwatch": LayerUseCase,
	"pipeline":   LayerUseCase,
	"service":    LayerUseCase,

	"cache/cachetest":          LayerSuite,
	"internal/faultsuite":      LayerSuite,
	"llm/llmtest":              LayerSuite,
	"llm/llmtest/fakeupstream": LayerSuite,
	"ratelimit/ratelimittest":  LayerSuite,
	"storetest":                LayerSuite,

	"cmd/papersum":       LayerWiring,
	"scripts/mkpaperpdf": LayerWiring,
}

// Pending are imports that break the layering today and that issue 12
// still has to remove: the service names the queue's job-policy types
// (CallbackArgs, the Snooze and Permanent job errors, DefaultMaxSnooze)
// instead of ports declared in the root. Its contracts, the summary
// publisher, the typed job insertion, the result cache and the fetcher
// are root ports already. TestLayers allows these imports, and fails once
// one is gone, so that its line is deleted with it; service/deps_test.go
// lists the same.
var Pending = map[string][]string{
	"service": {
		"queue", // CallbackArgs and the Snooze/Permanent job errors of the queue's policy
	},
}
