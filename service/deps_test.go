package service

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps the service a use case: it reaches transports only
// through the root's contracts (papersum.Summaries, SubmissionBatches) and
// publishes through root ports (papersum.SummaryPublisher, Submitter), so
// it imports no transport (httpapi, events) and no store (sqlite,
// postgres). What it may import: the pipeline it runs, ingest (pure),
// the group commit helper and telemetry.
//
// The result cache, the fetcher and the webhook sender are root ports
// (papersum.ResultCache, DocumentFetcher; the Deliverer port). The one
// adapter it still names is the entry of deptest.Pending for "service"
// (TestLayers fails once it is gone): queue, for CallbackArgs and the
// Snooze/Permanent job errors of the queue's policy.
func TestImports(t *testing.T) {
	deptest.AllowOnly(t,
		deptest.Root+"/pipeline",
		deptest.Root+"/ingest",
		deptest.Root+"/internal/groupcommit",
		deptest.Root+"/telemetry",
		"go.opentelemetry.io/otel",
		// Pending: the queue's job policy is not yet a root port.
		deptest.Root+"/queue",
	)
}
