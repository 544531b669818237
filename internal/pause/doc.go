// Package pause waits for a duration or until a context is done: the
// default Sleep of every retry and poll loop (llm retries, webhook
// deliveries, provider batch polls, the Kafka consumer, the fake
// upstream). One copy, so that they all treat a done context and a zero
// wait alike. Tests inject their own Sleep instead of waiting.
package pause
