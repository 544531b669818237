// Package events is papersum's Kafka adapter, built on franz-go. It owns
// the wire format of the two topics the service speaks (PaperMessage on
// "papers", SummaryMessage on "summaries"), a Consumer that turns paper
// messages into calls of a Handler with at-least-once delivery, and a
// Producer that publishes finished runs.
//
// Delivery is at-least-once, not exactly-once: the Consumer commits an
// offset only after the Handler returned nil for that record (and every
// record before it in its partition), so a crash or a rebalance can deliver
// a message again. The Handler therefore must be idempotent; the service
// keys jobs by PaperMessage.ID so that a redelivered message finds the job
// it already created. Exactly-once through Kafka transactions would not
// help here, because the side effect (a job row in the queue's database)
// lives outside Kafka.
//
// The package imports the root package, franz-go and the standard library
// only; cmd/papersum wires it to the queue.
package events
