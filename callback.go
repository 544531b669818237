package papersum

import "net/url"

// MaxCallbackURLBytes bounds a callback URL, as every URL a client sends.
const MaxCallbackURLBytes = 2048

// ValidateCallbackURL checks the URL that receives a run's or a batch's
// completion webhook. A request brings one through the HTTP API, a Kafka
// message or a signed webhook, and every way checks it with this one rule:
// at most MaxCallbackURLBytes, absolute, http or https, with a host and
// without user information (a password in a URL would be stored with the
// run and shown in its deliveries).
//
// Errors: EINVALID.
func ValidateCallbackURL(raw string) error {
	if len(raw) > MaxCallbackURLBytes {
		return Errorf(EINVALID, "callback_url is longer than %d bytes", MaxCallbackURLBytes)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return Errorf(EINVALID, "callback_url must be an absolute http or https URL without user information")
	}
	return nil
}
