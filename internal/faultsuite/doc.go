// Package faultsuite runs papersum's dependencies as processes a test
// owns, so that the dependency-fault suite (faults_test.go) can break them
// the way they break in production: its own redis-server on a free port,
// its own PostgreSQL cluster (initdb and pg_ctl, on a port of its own),
// and the fake model API (llm/llmtest/fakeupstream) as a child process.
// Each can be killed with SIGKILL, stopped with SIGTERM or crashed
// (`pg_ctl stop -m immediate`) and started again on the same port.
//
// The suite itself builds papersum from the repository and drives
// `papersum serve` as a child process through its HTTP API, one fault at
// a time in the middle of a batch, then checks that every paper finished
// exactly once with its three stage results, that nothing was stored
// twice, and how long recovery took. It is slow (minutes), so it runs
// only with PAPERSUM_FAULT_SUITE=1, as .ci/run sets it;
// PAPERSUM_FAULT_SCALE=full runs the sizes of issue 11 (60 papers, 20 s
// faults) for BENCHMARKS.md.
//
// Why by hand: no maintained Go library starts and crashes a local
// redis-server or PostgreSQL cluster (testcontainers needs Docker, and
// embedded-postgres downloads its own binaries and cannot crash the
// server on demand); this package is a thin layer over the binaries the
// machine already has.
package faultsuite
