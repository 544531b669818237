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
// The adapters it still names are the entries of deptest.Pending for
// "service" (TestLayers fails once one is gone, so the two lists shrink
// together): cache (cache.Cache, cache.Key), fetch (*fetch.Fetcher), queue
// (CallbackArgs and the Snooze/Permanent job errors) and webhook (the
// Attempt its delivery record reads).
func TestImports(t *testing.T) {
	deptest.AllowOnly(t,
		deptest.Root+"/pipeline",
		deptest.Root+"/ingest",
		deptest.Root+"/internal/groupcommit",
		deptest.Root+"/telemetry",
		// Pending: adapters not yet behind root ports.
		deptest.Root+"/cache",
		deptest.Root+"/fetch",
		deptest.Root+"/queue",
		deptest.Root+"/webhook",
	)
}
