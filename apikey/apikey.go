package apikey

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"strconv"
	"strings"

	"github.com/papersum/papersum"
)

// The parts of a key: Prefix + ID + "_" + secret. See the package comment.
const (
	// Prefix starts every key.
	Prefix = "psk_"
	// idBytes random bytes make the ID, written as 2*idBytes hex digits.
	// 64 bits keep IDs unique in practice; CreateKey refuses a clash.
	idBytes = 8
	idLen   = 2 * idBytes
	// secretBytes random bytes make the secret: 256 bits.
	secretBytes = 32
	// secretLen base62 digits hold any secretBytes-byte number:
	// 62^43 > 2^256.
	secretLen = 43
	// Len is the length of every key's plaintext.
	Len = len(Prefix) + idLen + 1 + secretLen
)

// Generate makes a new key for user of team with scope, stamped with
// clock's time (papersum.SystemClock when nil). It returns the plaintext,
// to be shown to its owner once and then forgotten, the key to store, and
// the hash to store it under. The caller may set the key's ExpiresAt
// before storing it.
//
// The randomness is crypto/rand's and is not injectable: a key made from
// anything weaker is a vulnerability, and tests need no particular key.
//
// Errors: EINVALID when team or user is empty or scope is not valid.
func Generate(team, user string, scope papersum.Scope, clock papersum.Clock) (string, *papersum.APIKey, []byte, error) {
	const op = "apikey.Generate"
	switch {
	case strings.TrimSpace(team) == "" || strings.TrimSpace(user) == "":
		return "", nil, nil, &papersum.Error{Code: papersum.EINVALID, Op: op, Message: "an API key needs a team and a user"}
	case !scope.Valid():
		return "", nil, nil, &papersum.Error{Code: papersum.EINVALID, Op: op,
			Message: "API key scope " + strings.TrimSpace(string(scope)) + " is not one of read, write, admin"}
	}
	if clock == nil {
		clock = papersum.SystemClock{}
	}
	id := make([]byte, idBytes)
	secret := make([]byte, secretBytes)
	// crypto/rand.Read never returns an error (it crashes the program
	// if the system's generator fails), so there is nothing to handle.
	rand.Read(id)
	rand.Read(secret)
	idText := hex.EncodeToString(id)
	plaintext := Prefix + idText + "_" + base62(secret)
	k := &papersum.APIKey{
		ID:        idText,
		Team:      team,
		User:      user,
		Scope:     scope,
		Prefix:    Prefix + idText,
		CreatedAt: clock.Now(),
	}
	return plaintext, k, Hash(plaintext), nil
}

// base62 writes b as a secretLen-digit base62 number.
func base62(b []byte) string {
	s := new(big.Int).SetBytes(b).Text(62)
	return strings.Repeat("0", secretLen-len(s)) + s
}

// Hash returns the SHA-256 of plaintext, the only form of a key that is
// stored. See the package comment for why a fast hash is right here.
func Hash(plaintext string) []byte {
	h := sha256.Sum256([]byte(plaintext))
	return h[:]
}

// Parse checks that plaintext has the form of a key and returns its ID.
// It says nothing about whether the key exists.
//
// Errors: EUNAUTHORIZED when plaintext is not a well-formed key.
func Parse(plaintext string) (id string, err error) {
	malformed := &papersum.Error{Code: papersum.EUNAUTHORIZED, Op: "apikey.Parse",
		Message: "malformed API key: want " + Prefix + "<id>_<secret>, " + strconv.Itoa(Len) + " characters"}
	if len(plaintext) != Len || !strings.HasPrefix(plaintext, Prefix) {
		return "", malformed
	}
	rest := plaintext[len(Prefix):]
	id, secret := rest[:idLen], rest[idLen+1:]
	if rest[idLen] != '_' {
		return "", malformed
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return "", malformed
		}
	}
	for i := 0; i < len(secret); i++ {
		if c := secret[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return "", malformed
		}
	}
	return id, nil
}
