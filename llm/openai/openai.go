package openai

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/papersum/papersum"
)

// Client is a papersum.Model over an OpenAI-compatible Chat Completions
// endpoint. It is safe for concurrent use.
type Client struct {
	cfg  Config
	chat openai.ChatCompletionService
}

// Client implements papersum.Model.
var _ papersum.Model = (*Client)(nil)

// New returns a Client for cfg after filling its defaults and validating
// it. It returns an EINVALID *papersum.Error for a bad config. It makes no
// request: a server that is down shows up on the first Generate.
func New(cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Client{cfg: cfg, chat: openai.NewChatCompletionService(sdkOptions(cfg)...)}, nil
}

// sdkOptions are the SDK options of every request. The service is built
// with openai.NewChatCompletionService rather than openai.NewClient because
// NewClient reads OPENAI_* environment variables, and this package takes
// its settings only from the caller.
func sdkOptions(cfg Config) []option.RequestOption {
	opts := []option.RequestOption{
		option.WithBaseURL(cfg.BaseURL),
		option.WithHTTPClient(cfg.HTTPClient),
		// papersum's llm layer owns retry; see the package doc.
		option.WithMaxRetries(0),
	}
	if cfg.APIKey != "" {
		opts = append(opts, option.WithAPIKey(cfg.APIKey))
	}
	return opts
}

// Config returns the client's config with defaults filled in, redacted.
func (c *Client) Config() Config { return c.cfg.Redacted() }

// Generate sends req as one chat completion and maps the answer.
//
// Errors: a *papersum.ProviderError for every failure of the call, with
// the class chosen in errors.go (rate_limit, overloaded, server, timeout,
// connection, auth, invalid_request, context_too_large); ClassServer with
// message "no choices" for an answer without choices; ClassInvalidRequest
// for a request that cannot be sent (no model, no user message). When ctx
// is cancelled or past its deadline, ctx's own error, wrapped, and no
// ProviderError, so that nothing retries a call its caller abandoned.
func (c *Client) Generate(ctx context.Context, req *papersum.Request) (*papersum.Response, error) {
	if req == nil {
		return nil, c.providerError(&papersum.Request{}, papersum.ClassInvalidRequest, "nil request", nil)
	}
	params, err := c.params(req)
	if err != nil {
		return nil, err
	}
	call := ctx
	if req.Timeout > 0 {
		var cancel context.CancelFunc
		call, cancel = context.WithTimeoutCause(ctx, req.Timeout, errCallTimeout)
		defer cancel()
	}
	var (
		res  *http.Response
		body watchedBody
	)
	cc, err := c.chat.New(call, params, option.WithResponseInto(&res), option.WithMiddleware(body.watch))
	if err != nil {
		return nil, c.normalize(ctx, call, req, res, body.err, err)
	}
	return c.response(req, cc, res)
}

// watchedBody remembers whether reading the response body failed. The SDK
// reports a body cut short by the network and a body that is not valid
// JSON with the same io.ErrUnexpectedEOF; only the read side can tell a
// connection failure (retry on any server) from a malformed answer.
type watchedBody struct {
	io.ReadCloser
	err error
}

// watch is an SDK middleware that puts w between the SDK and the body.
func (w *watchedBody) watch(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	res, err := next(req)
	if res != nil && res.Body != nil {
		w.ReadCloser = res.Body
		res.Body = w
	}
	return res, err
}

// Read records the first read error other than io.EOF.
func (w *watchedBody) Read(p []byte) (int, error) {
	n, err := w.ReadCloser.Read(p)
	if err != nil && err != io.EOF && w.err == nil {
		w.err = err
	}
	return n, err
}

// params builds the request body.
func (c *Client) params(req *papersum.Request) (openai.ChatCompletionNewParams, error) {
	var p openai.ChatCompletionNewParams
	if req.Model == "" {
		return p, c.providerError(req, papersum.ClassInvalidRequest, "no model named", nil)
	}
	if req.Prompt == "" && len(req.Turns) == 0 {
		return p, c.providerError(req, papersum.ClassInvalidRequest, "empty prompt", nil)
	}
	p.Model = req.Model
	p.Messages = make([]openai.ChatCompletionMessageParamUnion, 0, 3+len(req.Turns))

	// The paper comes first and alone, so the bytes before the first
	// stage-specific token are the same in every stage: that shared prefix
	// is what automatic prefix caching (OpenAI, vLLM, llama-server) reuses.
	// Request.Paper.Cacheable and CacheTTL have no Chat Completions
	// counterpart; the order is the whole of the cache hint.
	paper := ""
	if req.Paper != nil {
		paper = req.Paper.Text
	}
	switch {
	case c.cfg.SingleSystemMessage && paper != "" && req.System != "":
		p.Messages = append(p.Messages, openai.SystemMessage(paper+"\n\n"+req.System))
	default:
		if paper != "" {
			p.Messages = append(p.Messages, openai.SystemMessage(paper))
		}
		if req.System != "" {
			p.Messages = append(p.Messages, openai.SystemMessage(req.System))
		}
	}
	if req.Prompt != "" {
		p.Messages = append(p.Messages, openai.UserMessage(req.Prompt))
	}
	for i, t := range req.Turns {
		switch t.Role {
		case papersum.RoleUser:
			p.Messages = append(p.Messages, openai.UserMessage(t.Text))
		case papersum.RoleAssistant:
			p.Messages = append(p.Messages, openai.AssistantMessage(t.Text))
		default:
			return p, c.providerError(req, papersum.ClassInvalidRequest, fmt.Sprintf("turn %d: unknown role %q", i, t.Role), nil)
		}
	}

	if req.MaxTokens > 0 {
		if c.cfg.maxTokensField() == MaxTokensCompletion {
			p.MaxCompletionTokens = openai.Int(int64(req.MaxTokens))
		} else {
			p.MaxTokens = openai.Int(int64(req.MaxTokens))
		}
	}
	if req.Temperature != nil && (c.cfg.AcceptsTemperature == nil || c.cfg.AcceptsTemperature(req.Model)) {
		p.Temperature = openai.Float(*req.Temperature)
	}
	return p, nil
}

// response maps a completion to a papersum.Response.
func (c *Client) response(req *papersum.Request, cc *openai.ChatCompletion, res *http.Response) (*papersum.Response, error) {
	if cc == nil || len(cc.Choices) == 0 {
		pe := c.providerError(req, papersum.ClassServer, "no choices", nil)
		if res != nil {
			pe.Status = res.StatusCode
		}
		return nil, pe
	}
	choice := cc.Choices[0]
	model := cc.Model
	if model == "" {
		model = req.Model
	}
	return &papersum.Response{
		Text:       choice.Message.Content,
		StopReason: stopReason(choice.FinishReason),
		Usage:      usage(cc.Usage),
		Provider:   c.cfg.ProviderName,
		Model:      model,
	}, nil
}

// stopReason maps finish_reason. "stop" covers both the end of the answer
// and a matched stop sequence: no server here tells them apart.
func stopReason(finish string) papersum.StopReason {
	switch finish {
	case "stop":
		return papersum.StopEnd
	case "length":
		return papersum.StopMaxTokens
	}
	return papersum.StopOther
}

// usage splits cached prompt tokens out of prompt_tokens, which counts
// them too, so that Usage.TotalInput equals prompt_tokens and pricing
// charges cached tokens at the cache-read rate. Servers that do not report
// cached tokens (Ollama; vLLM without --enable-prompt-tokens-details)
// leave CacheReadTokens at zero.
func usage(u openai.CompletionUsage) papersum.Usage {
	cached := u.PromptTokensDetails.CachedTokens
	if cached < 0 {
		cached = 0
	}
	if cached > u.PromptTokens {
		cached = u.PromptTokens
	}
	return papersum.Usage{
		InputTokens:     u.PromptTokens - cached,
		CacheReadTokens: cached,
		OutputTokens:    u.CompletionTokens,
	}
}

// providerError returns a ProviderError carrying the client's provider
// and the request's model and stage.
func (c *Client) providerError(req *papersum.Request, class papersum.Class, msg string, err error) *papersum.ProviderError {
	return &papersum.ProviderError{
		Class:    class,
		Provider: c.cfg.ProviderName,
		Model:    req.Model,
		Stage:    req.Task.Stage,
		Message:  msg,
		Err:      err,
	}
}
