#pragma once

#include "nimbus/net/httpserver.h"

#include <string>

namespace nimbus::sim {

// What one function instance may ask of the platform through the AWS Lambda Runtime API
// (2018-06-01). The instance side of the pool implements it.
class RuntimeApiHandler {
public:
    virtual ~RuntimeApiHandler() = default;
    // GET /runtime/invocation/next — answered when there is an event (a long poll).
    virtual void nextInvocation(net::Responder responder) = 0;
    // POST /runtime/invocation/{id}/response. Returns false for an unknown request id.
    virtual bool invocationResponse(const std::string &requestId, std::string body) = 0;
    // POST /runtime/invocation/{id}/error
    virtual bool invocationError(const std::string &requestId, std::string body,
                                 std::string errorType) = 0;
    // POST /runtime/init/error
    virtual void initError(std::string body, std::string errorType) = 0;
    // The invocation the instance is working on, if any: SCF's runtime API names none in
    // its paths (an instance has one invocation at a time).
    virtual std::string activeRequestId() const { return {}; }
    // Nimbus: POST /runtime/invocation/{id}/debug {"paused": bool} — a debugger stopped or
    // resumed the invocation; its timeout clock stops meanwhile. False for an unknown id.
    virtual bool debuggerPaused(const std::string &requestId, bool paused) {
        (void)requestId;
        (void)paused;
        return false;
    }
};

// Routes one HTTP request of the Runtime API to `handler`, answering as Lambda does
// (202 for accepted results, 400 for unknown request ids, 404 for unknown paths, 413 for
// responses over 6 MB). The same port serves Tencent Cloud SCF's custom runtime API:
// POST /runtime/init/ready, GET /runtime/invocation/next, POST /runtime/invocation/response
// and /runtime/invocation/error, about the instance's invocation.
void routeRuntimeApi(net::Request request, net::Responder responder, RuntimeApiHandler &handler);

constexpr std::size_t kMaxResponsePayload = 6 * 1024 * 1024;

} // namespace nimbus::sim
