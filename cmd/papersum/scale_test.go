package main

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/papersum/papersum/events"
)

// Papers arrive on the Kafka "papers" topic and their summaries leave on
// "summaries". Delivery is at least once, so a message delivered twice
// must make one run; a poison message must not stall the partition.
func TestServeKafka(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, events.DefaultPapersTopic, events.DefaultSummariesTopic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	brokers := strings.Join(cluster.ListenAddrs(), ",")
	env := map[string]string{"PAPERSUM_DB": t.TempDir() + "/k.db", "PAPERSUM_KAFKA_BROKERS": brokers}
	admin := createKey(t, env, "ops", "admin")
	srv := startServe(t, env)

	cl, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	msg := func(id, text string) *kgo.Record {
		v, _ := json.Marshal(events.PaperMessage{ID: id, Text: text, Team: "stream"})
		return &kgo.Record{Topic: events.DefaultPapersTopic, Key: []byte(id), Value: v}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	records := []*kgo.Record{
		msg("paper-1", paperText(31)),
		{Topic: events.DefaultPapersTopic, Value: []byte("{not json")},
		msg("paper-1", paperText(31)), // the same message delivered again
		msg("paper-2", paperText(32)),
	}
	if err := cl.ProduceSync(ctx, records...).FirstErr(); err != nil {
		t.Fatal(err)
	}

	reader, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...), kgo.ConsumeTopics(events.DefaultSummariesTopic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(reader.Close)
	byMessage := map[string]map[string]bool{} // paper message ID -> run IDs
	for len(byMessage) < 2 && ctx.Err() == nil {
		fetches := reader.PollFetches(ctx)
		fetches.EachRecord(func(r *kgo.Record) {
			m, err := events.DecodeSummaryMessage(r.Value)
			if err != nil {
				t.Errorf("summary message: %v", err)
				return
			}
			if m.Status != events.StatusSucceeded || m.Summary == "" || m.Team != "stream" {
				t.Errorf("summary message %+v", m)
			}
			if byMessage[m.PaperMessageID] == nil {
				byMessage[m.PaperMessageID] = map[string]bool{}
			}
			byMessage[m.PaperMessageID][m.RunID] = true
		})
	}
	if len(byMessage["paper-1"]) != 1 || len(byMessage["paper-2"]) != 1 {
		t.Fatalf("runs per message: %v\n%s", byMessage, srv.stderr.String())
	}
	var list struct {
		Items []runView `json:"items"`
	}
	api(t, "GET", srv.url+"/api/v1/summaries", admin, nil, &list)
	if len(list.Items) != 2 {
		t.Errorf("%d runs stored for 2 distinct messages", len(list.Items))
	}
}

// Two replicas on one Postgres and one Redis share the result cache and
// the rate limits: a paper summarized on one is a cache hit on the other,
// and a key's requests count against one limit whichever replica answers.
func TestServeReplicasShareRedis(t *testing.T) {
	pg, rd := os.Getenv("TEST_DATABASE_URL"), os.Getenv("TEST_REDIS_URL")
	if pg == "" || rd == "" {
		t.Skip("TEST_DATABASE_URL and TEST_REDIS_URL are not both set")
	}
	env := map[string]string{"PAPERSUM_DATABASE_URL": pg, "PAPERSUM_DATABASE_SCHEMA": pgTestSchema(t, pg), "PAPERSUM_REDIS_URL": rd}
	key := createKey(t, env, "shared", "write")
	a := startServe(t, env, "--rate-limit-rpm", "4")
	b := startServe(t, env, "--rate-limit-rpm", "4")

	nonce := make([]byte, 8)
	_, _ = crand.Read(nonce)
	text := paperText(40) + " Nonce " + hex.EncodeToString(nonce) + " makes this paper new to the shared cache."
	var first, second runView
	if code, _ := api(t, "POST", a.url+"/api/v1/summaries?wait=30s", key, map[string]string{"text": text}, &first); code != 200 || first.Cached {
		t.Fatalf("replica a: %d %+v", code, first)
	}
	if code, _ := api(t, "POST", b.url+"/api/v1/summaries?wait=5s", key, map[string]string{"text": text}, &second); code != 200 || !second.Cached {
		t.Fatalf("replica b did not answer from the shared cache: %d %+v", code, second)
	}
	// Two requests so far; two more use up the limit of 4 per minute.
	for _, srv := range []*testServer{a, b} {
		if code, _ := api(t, "GET", srv.url+"/api/v1/summaries/"+first.ID, key, nil, nil); code != 200 {
			t.Fatalf("read within the limit: %d", code)
		}
	}
	code, hdr := api(t, "GET", a.url+"/api/v1/summaries/"+first.ID, key, nil, nil)
	if code != 429 || hdr.Get("Retry-After") == "" {
		t.Fatalf("fifth request across replicas: %d (Retry-After %q), want 429 with Retry-After", code, hdr.Get("Retry-After"))
	}
}
