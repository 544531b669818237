package anthropic

import (
	"strings"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/papersum/papersum"
)

// malformedMessage describes a 2xx answer that is not a message.
const malformedMessage = "malformed response: no content or usage"

// wellFormed reports whether msg has the fields every message has. The SDK
// decodes leniently, so a proxy's JSON that is not a message at all would
// otherwise become an empty answer with zero usage, and the pipeline would
// blame the model for it.
func wellFormed(msg *sdk.Message) bool {
	return msg.JSON.Content.Valid() && msg.JSON.Usage.Valid()
}

// toResponse maps an API message to a papersum.Response. reqModel names the
// model when the response does not; ttl is the cache TTL the request asked
// for ("5m" or "1h").
func toResponse(msg *sdk.Message, reqModel, ttl string) *papersum.Response {
	model := string(msg.Model)
	if model == "" {
		model = reqModel
	}
	return &papersum.Response{
		Text:       text(msg.Content),
		StopReason: stopReason(msg.StopReason),
		Usage:      usage(msg.Usage, ttl),
		Provider:   ProviderName,
		Model:      model,
	}
}

// text concatenates the text blocks; other blocks (thinking, tool use) are
// not part of the answer.
func text(blocks []sdk.ContentBlockUnion) string {
	if len(blocks) == 1 && blocks[0].Type == "text" {
		return blocks[0].Text
	}
	var sb strings.Builder
	for _, b := range blocks {
		if b.Type == "text" {
			sb.WriteString(b.Text)
		}
	}
	return sb.String()
}

// stopReason maps the API's stop reasons to papersum's. Refusal, pause_turn,
// tool_use and model_context_window_exceeded are StopOther: none of them is
// an answer cut at max_tokens that asking to continue would finish.
func stopReason(r sdk.StopReason) papersum.StopReason {
	switch r {
	case sdk.StopReasonEndTurn:
		return papersum.StopEnd
	case sdk.StopReasonMaxTokens:
		return papersum.StopMaxTokens
	case sdk.StopReasonStopSequence:
		return papersum.StopSequence
	}
	return papersum.StopOther
}

// usage maps token counts. Cache writes are priced per TTL, so they are
// split from usage.cache_creation; a response without the split (older API
// versions, some gateways) has all its writes attributed to the TTL that
// was asked for, which is the only one it can have written. An empty split
// next to a non-zero total counts as absent.
func usage(u sdk.Usage, ttl string) papersum.Usage {
	out := papersum.Usage{
		InputTokens:     u.InputTokens,
		OutputTokens:    u.OutputTokens,
		CacheReadTokens: u.CacheReadInputTokens,
	}
	split := u.CacheCreation
	switch {
	case u.JSON.CacheCreation.Valid() && (split.Ephemeral5mInputTokens+split.Ephemeral1hInputTokens > 0 || u.CacheCreationInputTokens == 0):
		out.CacheCreation5mTokens = split.Ephemeral5mInputTokens
		out.CacheCreation1hTokens = split.Ephemeral1hInputTokens
	case ttl == "1h":
		out.CacheCreation1hTokens = u.CacheCreationInputTokens
	default:
		out.CacheCreation5mTokens = u.CacheCreationInputTokens
	}
	return out
}
