// Invoke (RequestResponse, Event, DryRun) and the durable queue behind Event: what an

// invocation runs (a deployed version, an alias's weighted pick, or the dev loop's
// $LATEST), its answer in Lambda's headers, and retries ending in a dead-letter queue.
#include "../simulator/simulator.h"
#include "../simulator/wallclock.h"
#include "controlplane.h"
#include "nimbus/net/base64.h"
#include "nimbus/tracing/tracecontext.h"

#include <boost/beast/http.hpp>
#include <random>

namespace nimbus::sim {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxSyncPayload = 6 * 1024 * 1024;
constexpr std::size_t kMaxAsyncPayload = 1024 * 1024; // raised from 256 KB in 2025
constexpr std::size_t kTailBytes = 4096;

long long nowUs() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

std::optional<ControlPlane::Target> ControlPlane::resolveTarget(const std::string &pathName,
                                                                const std::string &qualifierParam,
                                                                lambda::ApiError &error) {
    const auto ref = lambda::parseFunctionRef(pathName);
    if (!ref) {
        error = lambda::constraintError(pathName, "functionName",
                                        "Member must satisfy regular expression pattern: "
                                        "(arn:(aws[a-zA-Z-]*)?:lambda:)?(\\d{12}:)?(function:)?"
                                        "([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?");
        return std::nullopt;
    }
    std::string qualifier = qualifierParam;
    if (!ref->qualifier.empty()) {
        if (!qualifier.empty() && qualifier != ref->qualifier) {
            error = lambda::invalidParameter("The derived qualifier from the function name does "
                                             "not match the specified qualifier.");
            return std::nullopt;
        }
        qualifier = ref->qualifier;
    }
    Target target;
    if (auto record = m_store->function(ref->name)) {
        target.deployed = true;
        target.name = ref->name;
        target.record = *record;
        std::string version = qualifier.empty() ? "$LATEST" : qualifier;
        if (!lambda::isVersion(version)) {
            const auto alias = m_store->alias(ref->name, version);
            if (!alias) {
                error = lambda::resourceNotFound("Function not found: " + arn(ref->name, qualifier));
                return std::nullopt;
            }
            // Weighted routing: each additional version takes its share, the rest goes to
            // the alias's own version.
            version = alias->functionVersion;
            static thread_local std::mt19937 random{std::random_device{}()};
            double pick = std::uniform_real_distribution<double>(0.0, 1.0)(random);
            for (const auto &[other, weight] : alias->weights) {
                if (pick < weight) {
                    version = other;
                    break;
                }
                pick -= weight;
            }
        }
        if (version == "$LATEST") {
            target.config = record->latest;
            target.codeHex = record->codeHex;
        } else {
            const auto v = m_store->version(ref->name, std::stoi(version));
            if (!v) {
                error = lambda::resourceNotFound("Function not found: " + arn(ref->name, version));
                return std::nullopt;
            }
            target.config = v->config;
            target.codeHex = v->codeHex;
        }
        target.version = version;
        return target;
    }
    // Not deployed: a function of the project's manifest, run from the working tree.
    const manifest::Function *function = m_simulator.findFunction(ref->name);
    if (!function || (!qualifier.empty() && qualifier != "$LATEST")) {
        error = lambda::resourceNotFound("Function not found: " + arn(ref->name, qualifier));
        return std::nullopt;
    }
    target.name = function->name;
    target.version = "$LATEST";
    return target;
}

std::optional<std::string> ControlPlane::targetName(const std::string &name,
                                                    const std::string &qualifier,
                                                    lambda::ApiError &error) {
    const auto target = resolveTarget(name, qualifier, error);
    return target ? std::optional(target->name) : std::nullopt;
}

void ControlPlane::run(const Target &target, InvocationRequest request,
                       InvocationCallback callback) {
    std::string error;
    const bool accepted =
        target.deployed
            ? m_deployed->invoke(target.record, target.config, target.codeHex, std::move(request),
                                 callback, error)
            : m_simulator.invoke(target.name, std::move(request), callback, error);
    if (!accepted) {
        InvocationResult result;
        result.functionError = true;
        result.errorType = "Runtime.Unavailable";
        result.payload = json{{"errorType", "Runtime.Unavailable"}, {"errorMessage", error}}.dump();
        callback(std::move(result));
    }
}

void ControlPlane::invoke(const ApiRequest &r, const std::string &name, net::Responder responder) {
    const auto &headers = *r.http;
    const std::string type = headers["X-Amz-Invocation-Type"].empty()
                                 ? "RequestResponse"
                                 : std::string(headers["X-Amz-Invocation-Type"]);
    if (type != "RequestResponse" && type != "Event" && type != "DryRun") {
        responder(lambdaError(lambda::constraintError(
            type, "invocationType",
            "Member must satisfy enum value set: [Event, RequestResponse, DryRun]")));
        return;
    }
    const bool tail = headers["X-Amz-Log-Type"] == "Tail";
    const bool fullLog = headers["X-Nimbus-Log-Type"] == "Full";
    lambda::ApiError error;
    const std::string qualifier = r.param("Qualifier");
    auto target = resolveTarget(name, qualifier, error);
    if (!target) {
        responder(lambdaError(error));
        return;
    }
    const std::size_t limit = type == "Event" ? kMaxAsyncPayload : kMaxSyncPayload;
    if (r.body.size() > limit) {
        responder(lambdaError(lambda::requestTooLarge(
            "Request must be smaller than " + std::to_string(limit) + " bytes for the " + type +
            " invocation type")));
        return;
    }
    const std::string payload = r.body.empty() ? "{}" : r.body;
    if (!json::accept(payload)) {
        responder(lambdaError(lambda::invalidRequestContent(
            "Could not parse request body into json: the payload is not valid JSON")));
        return;
    }
    if (!target->deployed && !m_simulator.canInvoke(target->name, error.message)) {
        responder(lambdaError(lambda::invalidParameter(error.message)));
        return;
    }
    const std::string requestId = newRequestId();
    if (type == "DryRun") {
        net::Response response = net::makeResponse(204, "");
        response.set("x-amzn-RequestId", requestId);
        responder(std::move(response));
        return;
    }
    // The Invoke call's span, in the caller's trace (an SDK inside a function sends
    // X-Amzn-Trace-Id) or at the root of a new one; the function's span will be its child.
    const long long startedUs = nowUs();
    tracing::TraceContext caller = tracing::parseAmznTraceId(std::string(headers["X-Amzn-Trace-Id"]))
                                       .value_or(tracing::startTrace());
    tracing::Span span;
    span.traceId = caller.traceId;
    span.spanId = tracing::newSpanId();
    span.parentId = caller.parentId;
    span.name = "Invoke " + target->name;
    span.kind = "server";
    span.function = target->name;
    span.startUs = startedUs;
    span.attributes = {{"faas.invocation_type", type},
                       {"faas.invoked_qualifier", target->version},
                       {"aws.request_id", requestId}};
    tracing::TraceContext onward = caller;
    onward.parentId = span.spanId;
    if (type == "Event") {
        // On disk before the caller hears 202: accepted means it will run.
        QueuedEvent event;
        event.requestId = requestId;
        event.function = target->name; // resolved: an ARN or alias name reads as the function
        event.qualifier = qualifier;
        event.payload = payload;
        event.nextAttemptMs = nowMs();
        event.createdMs = event.nextAttemptMs;
        event.trace = tracing::formatAmznTraceId(caller, span.spanId);
        m_queue->enqueue(event);
        scheduleQueue();
        span.durationUs = nowUs() - startedUs;
        recordSpan(std::move(span));
        net::Response response = net::makeResponse(202, "");
        response.set("x-amzn-RequestId", requestId);
        responder(std::move(response));
        return;
    }
    InvocationRequest invocation;
    invocation.payload = payload;
    invocation.clientContext = std::string(headers["X-Amz-Client-Context"]);
    invocation.trace = onward;
    auto shared = std::make_shared<net::Responder>(std::move(responder));
    const std::string executed = target->version;
    run(*target, std::move(invocation),
        [this, alive = std::weak_ptr<int>(m_alive), span = std::move(span), startedUs, shared,
         tail, fullLog, executed](InvocationResult result) mutable {
        if (!alive.expired()) {
            span.durationUs = nowUs() - startedUs;
            span.error = result.throttled || result.functionError;
            span.statusMessage = result.errorType;
            recordSpan(std::move(span));
        }
        if (result.throttled) {
            net::Response response = net::makeResponse(429, result.payload);
            response.set("x-amzn-ErrorType", "TooManyRequestsException");
            response.set("x-amzn-RequestId", result.requestId);
            (*shared)(std::move(response));
            return;
        }
        net::Response response = net::makeResponse(200, result.payload);
        response.set("x-amzn-RequestId", result.requestId);
        response.set("X-Amz-Executed-Version", executed);
        if (result.functionError)
            response.set("X-Amz-Function-Error", "Unhandled");
        if (fullLog)
            response.set("X-Amz-Log-Result", net::base64Encode(result.log));
        else if (tail)
            response.set("X-Amz-Log-Result",
                         net::base64Encode(std::string_view(result.log).substr(
                             result.log.size() > kTailBytes ? result.log.size() - kTailBytes : 0)));
        (*shared)(std::move(response));
    });
}

void ControlPlane::scheduleQueue() {
    if (m_shutdown || !m_queue)
        return;
    std::optional<long long> due;
    try {
        due = m_queue->nextDueMs();
    } catch (const StoreError &) {
        return;
    }
    if (!due)
        return;
    const long long wait = std::max(0LL, *due - nowMs());
    m_queueTimer.expires_after(std::chrono::milliseconds(wait));
    m_queueTimer.async_wait([this](boost::system::error_code ec) {
        if (!ec && !m_shutdown)
            drainQueue();
    });
}

void ControlPlane::drainQueue() {
    std::vector<QueuedEvent> due;
    try {
        due = m_queue->due(nowMs(), 64);
    } catch (const StoreError &) {
        return;
    }
    for (auto &event : due) {
        if (!m_inFlight.insert(event.id).second)
            continue;
        // An event older than its function's MaximumEventAgeInSeconds is not run any more.
        const auto config = eventInvokeConfigFor(event.function, event.qualifier);
        if (config && config->maximumEventAgeSeconds &&
            nowMs() - event.createdMs > *config->maximumEventAgeSeconds * 1000LL) {
            m_inFlight.erase(event.id);
            try {
                expire(event, *config,
                       "EventAgeExceeded: the event was older than " +
                           std::to_string(*config->maximumEventAgeSeconds) +
                           " s (MaximumEventAgeInSeconds) before it could run; " +
                           std::to_string(event.attempts) + " attempt(s)" +
                           (event.lastError.empty() ? std::string()
                                                    : ", the last: " + event.lastError),
                       "EventAgeExceeded");
            } catch (const StoreError &e) {
                m_simulator.platformEvent(std::string("the event queue failed: ") + e.what());
            }
            continue;
        }
        lambda::ApiError error;
        auto target = resolveTarget(event.function, event.qualifier, error);
        if (!target) {
            InvocationResult gone;
            gone.functionError = true;
            gone.errorType = error.type;
            gone.payload = json{{"errorType", error.type}, {"errorMessage", error.message}}.dump();
            attemptDone(std::move(event), gone);
            continue;
        }
        InvocationRequest request;
        request.payload = event.payload;
        request.requestId = event.requestId;
        request.trigger = event.trigger.empty() ? "async" : event.trigger;
        request.trace = tracing::parseAmznTraceId(event.trace); // the Invoke call's span above
        run(*target, std::move(request), [this, event](InvocationResult result) {
            attemptDone(event, result);
        });
    }
    // Events not yet due (or still running) are scheduled when their attempts end.
    if (m_inFlight.empty())
        scheduleQueue();
}

std::string ControlPlane::enqueue(const std::string &function, std::string payload,
                                  const std::string &trigger) {
    if (!m_queue)
        throw StoreError("the control plane's store is not open");
    QueuedEvent event;
    event.requestId = newRequestId();
    event.function = function;
    event.payload = std::move(payload);
    event.nextAttemptMs = nowMs();
    event.createdMs = event.nextAttemptMs;
    event.trigger = trigger;
    m_queue->enqueue(event);
    scheduleQueue();
    return event.requestId;
}

std::string ControlPlane::deadLetterQueueFor(const std::string &function) {
    // The function's DeadLetterConfig names the queue (the ARN's last part); without one
    // the event goes to a queue named after the function, so that nothing is dropped.
    const auto ref = lambda::parseFunctionRef(function);
    const std::string name = ref ? ref->name : function;
    if (auto record = m_store->function(name); record && record->latest.deadLetterTarget) {
        const std::string &target = *record->latest.deadLetterTarget;
        return target.substr(target.rfind(':') + 1);
    }
    if (const manifest::Function *fn = m_simulator.findFunction(name))
        return fn->deployedName + "-dlq";
    return name + "-dlq";
}

void ControlPlane::expire(const QueuedEvent &event, const EventInvokeConfig &config,
                          const std::string &why, const std::string &condition,
                          const InvocationResult *result) {
    // On failure, a queue destination keeps the event with the dead letters under its name;
    // otherwise the function's dead-letter queue does. A function destination gets the record.
    const bool queueDestination = config.onFailure.rfind("arn:aws:sqs:", 0) == 0;
    const std::string queue = queueDestination
                                  ? config.onFailure.substr(config.onFailure.rfind(':') + 1)
                                  : deadLetterQueueFor(event.function);
    m_queue->deadLetter(event, queue, why);
    if (!config.onFailure.empty() && !queueDestination)
        sendToDestination(config.onFailure, event, condition, result);
    m_simulator.platformEvent("event " + event.requestId + " for " + event.function + ": " +
                              condition + "; sent to dead-letter queue '" + queue + "'");
}

void ControlPlane::sendToDestination(const std::string &destination, const QueuedEvent &event,
                                     const std::string &condition,
                                     const InvocationResult *result) {
    const auto ref = lambda::parseFunctionRef(destination);
    if (!ref)
        return;
    auto parsed = [](const std::string &text) {
        json value = json::parse(text, nullptr, false);
        return value.is_discarded() ? json(text) : value;
    };
    // Lambda's destination record.
    json response{{"statusCode", 200},
                  {"executedVersion", event.qualifier.empty() ? "$LATEST" : event.qualifier}};
    if (result && result->functionError)
        response["functionError"] = "Unhandled";
    json record{{"version", "1.0"},
                {"timestamp", lambda::lastModifiedNow()},
                {"requestContext",
                 {{"requestId", event.requestId},
                  {"functionArn", arn(event.function, event.qualifier.empty() ? "$LATEST"
                                                                               : event.qualifier)},
                  {"condition", condition},
                  {"approximateInvokeCount", std::max(1, event.attempts)}}},
                {"requestPayload", parsed(event.payload)},
                {"responseContext", response}};
    if (result)
        record["responsePayload"] = parsed(result->payload);
    QueuedEvent next;
    next.requestId = newRequestId();
    next.function = ref->name;
    next.qualifier = ref->qualifier;
    next.payload = record.dump(-1, ' ', false, json::error_handler_t::replace);
    next.nextAttemptMs = nowMs();
    next.createdMs = next.nextAttemptMs;
    next.trace = event.trace;
    m_queue->enqueue(next);
}

void ControlPlane::attemptDone(QueuedEvent event, const InvocationResult &result) {
    m_inFlight.erase(event.id);
    if (m_shutdown)
        return;
    const EventInvokeConfig config =
        eventInvokeConfigFor(event.function, event.qualifier).value_or(EventInvokeConfig{});
    const int maxRetries = config.maximumRetryAttempts.value_or(m_options.maxRetries);
    try {
        if (result.throttled) {
            // Throttled is not failed: Lambda keeps such events and tries again, for up to
            // six hours (or the function's MaximumEventAgeInSeconds), without spending their
            // retries.
            const long long maxAgeMs = config.maximumEventAgeSeconds
                                           ? *config.maximumEventAgeSeconds * 1000LL
                                           : 6LL * 3600 * 1000;
            if (nowMs() - event.createdMs > maxAgeMs) {
                expire(event, config,
                       "EventAgeExceeded: throttled (TooManyRequestsException) until the event "
                       "was " + std::to_string(maxAgeMs / 1000) + " s old",
                       "EventAgeExceeded", &result);
            } else {
                const long long delay = std::max<long long>(100, m_options.retryDelay.count());
                m_queue->reschedule(event.id, event.attempts, nowMs() + delay,
                                    "TooManyRequestsException");
            }
        } else if (!result.functionError) {
            m_queue->remove(event.id);
            ++event.attempts;
            if (!config.onSuccess.empty())
                sendToDestination(config.onSuccess, event, "Success", &result);
        } else {
            ++event.attempts;
            const std::string why = result.errorType + ": " + result.payload;
            if (event.attempts > maxRetries) {
                expire(event, config,
                       "RetriesExhausted after " + std::to_string(event.attempts) +
                           " attempt(s) (MaximumRetryAttempts " + std::to_string(maxRetries) +
                           "): " + why,
                       "RetriesExhausted", &result);
            } else {
                const auto delay = m_options.retryDelay * (1LL << (event.attempts - 1));
                m_queue->reschedule(event.id, event.attempts, nowMs() + delay.count(), why);
                m_simulator.platformEvent("event " + event.requestId + " for " + event.function +
                                          " failed (" + result.errorType + "); retry " +
                                          std::to_string(event.attempts) + " of " +
                                          std::to_string(maxRetries) + " in " +
                                          std::to_string(delay.count()) + " ms");
            }
        }
    } catch (const StoreError &e) {
        m_simulator.platformEvent(std::string("the event queue failed: ") + e.what());
    }
    scheduleQueue();
}

} // namespace nimbus::sim
