// Package service is papersum as a service: it accepts papers from the
// HTTP API, signed webhooks and Kafka, stores each as a queued run, and
// runs it on the durable job queue with the same pipeline the CLI uses.
//
// It implements the root's contracts papersum.Summaries and
// papersum.SubmissionBatches, which the HTTP API, the signed-webhook intake
// (webhook.PaperPublishedHandler) and the Kafka consumer
// (events.SubmitHandler) call, and the queue's job handlers (Work for a
// run, Deliver for a completion webhook). It publishes finished runs
// through the papersum.SummaryPublisher port. It owns no storage,
// transport or queue of its own: those are the store (SQLite or Postgres),
// the queue (River), the cache (in-process or Redis), the producer (Kafka)
// and the webhook sender, all injected by cmd/papersum.
//
// # The life of a run
//
//  1. Submit reads the paper (text, PDF or a fetched URL) and writes it,
//     the run in state queued and the run's job in one transaction
//     (papersum.JobStore.SubmitMany): a run never exists without its job
//     nor a job without its run. A repeated idempotency key answers the
//     first run instead.
//  2. Work, called by a queue worker with the run's ID, moves the run to
//     running and resumes it (pipeline.Runner.Resume): stages already
//     stored are not paid for twice, so a job run again after a crash
//     finishes the run exactly once. A model call that fails transiently
//     after the retry layer's attempts puts the run back in the queue,
//     queued with a RunWait, until the provider answers or
//     Config.RunDeadline passes (see Work); a store that cannot be
//     reached snoozes the job without using its attempts.
//  3. When the run ends, Work stores the result in the cache, publishes it
//     to Kafka, queues its completion webhook and wakes the requests
//     waiting for it. Each of these is safe to repeat: a job retried after
//     a failed publish finds the run finished and repeats only them.
//
// # Teams
//
// Every run is charged to the team and user of the API key that submitted
// it. A key sees only its own team's runs and batches; an admin key sees
// all. Another team's run is answered as not found, not forbidden, so that
// IDs do not leak.
//
// # Cache
//
// A finished result is cached under the paper's content hash, the
// configuration hash and the prompt versions. A submission whose raw bytes
// were seen before (with no idempotency key) is answered from the cache
// without reading the paper again, at $0. The first such hit of a team
// (for one paper, configuration, title and callback URL:
// papersum.Run.CacheHitKey) is recorded as a run, succeeded and cached;
// every later one is answered with that run and counted on it
// (CacheHits, LastHitAt), so that a million identical requests are one
// row, not a million. The run belongs to the team: another team's hit
// gets a run of its own and never sees this one. Per-request accounting
// of hits is in the metrics (pipeline_cache_hits_total) and the access
// log; a hit costs no tokens, so the tokens-per-day limit is not charged.
//
// # Group commit
//
// Submissions, and the run records of cache hits, that arrive while an
// earlier one is being committed share the next transaction
// (internal/groupcommit): at a thousand requests a second most of a
// commit's cost is per transaction, not per row. A request still returns
// only after its own rows have committed, and a request at fault in a
// shared transaction fails alone, since the others are then written one
// by one. Config.CommitWriters sets how many such transactions may be open
// at once.
package service
