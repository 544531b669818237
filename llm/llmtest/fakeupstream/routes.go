package fakeupstream

import "net/http"

// routes is the whole API surface of the fake.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /v1/messages", s.endpoint(EndpointMessages, s.handleMessages))
	mux.Handle("POST /v1/messages/batches", s.endpoint(EndpointBatchCreate, s.handleBatchCreate))
	mux.Handle("GET /v1/messages/batches", s.endpoint(EndpointBatchList, s.handleBatchList))
	mux.Handle("GET /v1/messages/batches/{id}", s.endpoint(EndpointBatchRetrieve, s.handleBatchRetrieve))
	mux.Handle("POST /v1/messages/batches/{id}/cancel", s.endpoint(EndpointBatchCancel, s.handleBatchCancel))
	mux.Handle("GET /v1/messages/batches/{id}/results", s.endpoint(EndpointBatchResults, s.handleBatchResults))
	mux.Handle("POST /v1/chat/completions", s.endpoint(EndpointChatCompletions, s.handleChatCompletions))
	mux.Handle("/", s.endpoint(EndpointOther, s.handleNotFound))
	return mux
}
