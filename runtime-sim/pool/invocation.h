#pragma once

#include "nimbus/failures/failure.h"
#include "nimbus/tracing/tracecontext.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::sim {

struct InvocationRequest {
    std::string payload = "{}";
    // The invocation's request id; empty: a new one. A queued event keeps the id its caller
    // was given, in every attempt, as on Lambda and SCF.
    std::string requestId;
    std::string clientContext; // base64 client context, passed through
    // What caused it, for metrics: "invoke" (direct), "async", "gateway", "schedule", ...
    std::string trigger = "invoke";
    // The trace it belongs to, with the span that caused it as the parent (the gateway's,
    // the Invoke call's); nothing starts a new trace. The function's own span is made when it
    // runs, and handed to it in Lambda-Runtime-Trace-Id (_X_AMZN_TRACE_ID).
    std::optional<tracing::TraceContext> trace;
};

// The outcome of one invocation, in the terms of the Lambda Invoke API.
struct InvocationResult {
    std::string requestId;
    bool throttled = false;     // TooManyRequestsException: no instance ran it
    bool functionError = false; // X-Amz-Function-Error: Unhandled
    std::string errorType;      // when functionError: ValueError, Runtime.ExitError, ...
    std::string payload;        // the result, or the error document when functionError
    std::string log;            // START ... END ... REPORT, as Lambda writes it
    double durationMs = 0;
    long long billedDurationMs = 0;
    int memorySizeMb = 0;
    int maxMemoryUsedMb = 0;
    std::optional<double> initDurationMs; // on a cold start
    double queuedMs = 0;                  // how long it waited for an instance to take it
    std::string qualifier;                // the version that ran ("$LATEST", "3")
    std::string trigger;                  // the request's
    // The function's span: its trace, its own id and the span that caused it ("" at a root).
    std::string traceId, spanId, parentSpanId;
    // A failed invocation's scene (when failure capture is on): for the store, not the caller.
    std::shared_ptr<const failures::Failure> failure;
};

using InvocationCallback = std::function<void(InvocationResult)>;

// What a function pool needs to know about a function, whatever defined it.
struct FunctionConfig {
    std::string name;         // the manifest's name, e.g. "hello"
    std::string deployedName; // e.g. "shop-dev-hello"; AWS_LAMBDA_FUNCTION_NAME
    std::string runtime;      // python3.11, nodejs20.x, provided.al2
    std::string handler;      // module.function
    std::string codeDir;      // LAMBDA_TASK_ROOT
    std::string version = "$LATEST";
    std::string region = "us-east-1";
    int memoryMb = 1024;
    int ephemeralStorageMb = 512; // the size of its /tmp
    int timeoutSeconds = 6;
    int concurrencyLimit = 10; // instances at once
    // The limit is the function's reservedConcurrency: invocations past it are throttled, as
    // on Lambda, rather than queued for an instance.
    bool concurrencyReserved = false;
    // Invocations one instance takes at once: 1 for an event function, as on Lambda; an http
    // function's `concurrency` (Node's default 80, Python's 1).
    int instanceConcurrency = 1;
    std::map<std::string, std::string> environment;
    bool httpFunction = false; // takes HTTP requests (the gateway's) rather than events
    // Tencent Cloud SCF's runtime rather than Lambda's: its environment, context, custom
    // runtime API and log lines (the manifest is in one of SCF's formats).
    bool scf = false;
    std::string namespaceName = "default"; // SCF namespace
    std::string customBootstrap;           // what a custom runtime starts (codeDir/bootstrap)
    // Where a debug adapter waits for this function's debug agent ("127.0.0.1:port"); set
    // while a debugger is attached: one instance at a time, invocations queue for it.
    std::string debugAgent;
    // Where its third-party packages are installed (its PYTHONPATH or NODE_PATH; see
    // runtime-sim/dependencies/); empty when it declares none or none is installed yet.
    std::string dependencyPath;
    // Its packages' first installation is under way: invocations wait for it rather than
    // start instances that could not import them.
    bool awaitingDependencies = false;
    // Its layers' folders, each what Lambda extracts into /opt, in the order the function
    // lists them (a later layer's files win). The launcher adds their python/, nodejs/,
    // bin/ and lib/ folders to the paths Lambda sets for /opt.
    std::vector<std::string> layerDirs;

    std::string arn() const;
};

} // namespace nimbus::sim
