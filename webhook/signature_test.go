package webhook

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

// The test vector of the Standard Webhooks reference libraries
// (libraries/go/webhook_test.go, TestWebhookSign, in
// github.com/standard-webhooks/standard-webhooks).
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorPayload   = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func mustSecret(t *testing.T, s string) []byte {
	t.Helper()
	key, err := ParseSecret(s)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func TestSignVector(t *testing.T) {
	key := mustSecret(t, vectorSecret)
	got := Sign(key, vectorID, time.Unix(vectorTimestamp, 0), []byte(vectorPayload))
	if got != vectorSignature {
		t.Fatalf("Sign = %s, want %s", got, vectorSignature)
	}
	// And the vector verifies at its own time.
	h := headers(vectorID, vectorTimestamp, vectorSignature)
	id, err := Verify([][]byte{key}, h, []byte(vectorPayload), time.Unix(vectorTimestamp, 0), 0)
	if err != nil || id != vectorID {
		t.Fatalf("Verify = %q, %v", id, err)
	}
}

func headers(id string, ts int64, sig string) http.Header {
	h := http.Header{}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(HeaderSignature, sig)
	return h
}

func TestVerify(t *testing.T) {
	key := mustSecret(t, vectorSecret)
	oldKey := bytes.Repeat([]byte{7}, 32)
	body := []byte(vectorPayload)
	now := time.Unix(1_700_000_000, 0)
	ts := now.Unix()
	good := Sign(key, vectorID, now, body)
	const other = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="

	tests := []struct {
		name    string
		secrets [][]byte
		h       http.Header
		body    []byte
		want    error // nil for success
	}{
		{"valid", [][]byte{key}, headers(vectorID, ts, good), body, nil},
		{"several signatures, one valid", [][]byte{key},
			headers(vectorID, ts, other+" v2,"+strings.TrimPrefix(good, "v1,")+" "+good+" "+other), body, nil},
		{"asymmetric entry ignored", [][]byte{key}, headers(vectorID, ts, "v1a,"+strings.TrimPrefix(good, "v1,")), body, ErrNoMatchingSignature},
		{"rotation: second secret matches", [][]byte{oldKey, key}, headers(vectorID, ts, good), body, nil},
		{"rotation: signed with old key", [][]byte{key, oldKey}, headers(vectorID, ts, Sign(oldKey, vectorID, now, body)), body, nil},
		{"wrong secret", [][]byte{oldKey}, headers(vectorID, ts, good), body, ErrNoMatchingSignature},
		{"no secrets", nil, headers(vectorID, ts, good), body, ErrNoMatchingSignature},
		{"tampered body", [][]byte{key}, headers(vectorID, ts, good), []byte(`{"test": 2432232315}`), ErrNoMatchingSignature},
		{"other id", [][]byte{key}, headers("msg_other", ts, good), body, ErrNoMatchingSignature},
		{"other timestamp", [][]byte{key}, headers(vectorID, ts+1, good), body, ErrNoMatchingSignature},
		{"signature not base64", [][]byte{key}, headers(vectorID, ts, "v1,!!!"), body, ErrNoMatchingSignature},
		{"signature without version", [][]byte{key}, headers(vectorID, ts, strings.TrimPrefix(good, "v1,")), body, ErrNoMatchingSignature},
		{"truncated signature", [][]byte{key}, headers(vectorID, ts, good[:20]), body, ErrNoMatchingSignature},
		{"missing id", [][]byte{key}, headers("", ts, good), body, ErrMissingHeader},
		{"missing signature", [][]byte{key}, headers(vectorID, ts, ""), body, ErrMissingHeader},
		{"missing timestamp", [][]byte{key}, func() http.Header {
			h := headers(vectorID, ts, good)
			h.Del(HeaderTimestamp)
			return h
		}(), body, ErrMissingHeader},
		{"timestamp not a number", [][]byte{key}, func() http.Header {
			h := headers(vectorID, ts, good)
			h.Set(HeaderTimestamp, "2023-11-14T22:13:20Z")
			return h
		}(), body, ErrInvalidHeader},
		{"id with a dot", [][]byte{key}, headers("msg.1", ts, Sign(key, "msg.1", now, body)), body, ErrInvalidHeader},
		{"id too long", [][]byte{key}, headers(strings.Repeat("a", 257), ts, good), body, ErrInvalidHeader},
		{"too old", [][]byte{key}, headers(vectorID, ts-301, Sign(key, vectorID, now.Add(-301*time.Second), body)), body, ErrTimestampTooOld},
		{"too new", [][]byte{key}, headers(vectorID, ts+301, Sign(key, vectorID, now.Add(301*time.Second), body)), body, ErrTimestampTooNew},
		{"old edge of tolerance", [][]byte{key}, headers(vectorID, ts-300, Sign(key, vectorID, now.Add(-300*time.Second), body)), body, nil},
		{"new edge of tolerance", [][]byte{key}, headers(vectorID, ts+300, Sign(key, vectorID, now.Add(300*time.Second), body)), body, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := Verify(tt.secrets, tt.h, tt.body, now, 5*time.Minute)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if id != tt.h.Get(HeaderID) {
					t.Errorf("id = %q", id)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if id != "" {
				t.Errorf("id = %q on failure", id)
			}
		})
	}
}

func TestVerifyDefaultTolerance(t *testing.T) {
	key := mustSecret(t, vectorSecret)
	now := time.Unix(1_700_000_000, 0)
	sent := now.Add(-4 * time.Minute)
	h := headers("msg_1", sent.Unix(), Sign(key, "msg_1", sent, nil))
	if _, err := Verify([][]byte{key}, h, nil, now, 0); err != nil {
		t.Errorf("4 minutes with default tolerance: %v", err)
	}
	if _, err := Verify([][]byte{key}, h, nil, now, time.Minute); !errors.Is(err, ErrTimestampTooOld) {
		t.Errorf("4 minutes with 1m tolerance: %v", err)
	}
}

func TestParseSecret(t *testing.T) {
	if key := mustSecret(t, vectorSecret); len(key) != 24 {
		t.Errorf("vector secret decodes to %d bytes", len(key))
	}
	for _, s := range []string{
		"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", // no prefix
		"whsk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"whsec_not base64!",
		"whsec_c2hvcnQ=", // "short"
		"whsec_" + strings.Repeat("QUFB", 22),
		"",
	} {
		_, err := ParseSecret(s)
		if papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("ParseSecret(%q) err = %v, want EINVALID", s, err)
			continue
		}
		if len(s) > 10 && strings.Contains(err.Error(), s[6:]) {
			t.Errorf("error quotes the secret: %v", err)
		}
	}
}

func TestNewSecret(t *testing.T) {
	s, err := NewSecret(bytes.NewReader(bytes.Repeat([]byte{1}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	if s != "whsec_AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=" {
		t.Errorf("NewSecret = %s", s)
	}
	if key := mustSecret(t, s); !bytes.Equal(key, bytes.Repeat([]byte{1}, 32)) {
		t.Errorf("round trip = %v", key)
	}
	if _, err := NewSecret(bytes.NewReader(nil)); err == nil {
		t.Error("NewSecret with an empty reader succeeded")
	}
}
