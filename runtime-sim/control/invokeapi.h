#pragma once

#include "nimbus/net/httpserver.h"

#include <string>

namespace nimbus::sim {

class Simulator;

// The control plane's HTTP face, a subset of the AWS Lambda REST API (2015-03-31). Today:
// Invoke (POST /2015-03-31/functions/{name}/invocations) with RequestResponse, Event and
// DryRun, X-Amz-Log-Type: Tail, X-Amz-Function-Error, and Lambda's error types.
//
// Nimbus extension: "X-Nimbus-Log-Type: Full" returns the whole log in X-Amz-Log-Result
// rather than its last 4 KB, for local clients that print it (nimbus invoke).
void handleControlRequest(net::Request request, net::Responder responder, Simulator &simulator);

// Lambda's error response: x-amzn-ErrorType header and {"Type", "message"} body.
net::Response lambdaError(unsigned status, const std::string &type, const std::string &message);

} // namespace nimbus::sim
