#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nimbus::failures {

// One frame of the failing call stack in the project's own code, with its local variables
// at the moment of the exception, as the bootstrap captured them (values as short text).
struct Frame {
    std::string name;
    std::string file; // absolute
    int line = 0;
    std::map<std::string, std::string> locals;
};

// The scene of a failed invocation (failure-scene capture): what it was given, what it ran
// with, what it wrote and how it failed, kept for later analysis and replay.
struct Failure {
    long long id = 0;      // the store's number (what `nimbus replay ID` takes)
    std::string function;  // as the manifest names it
    std::string qualifier; // "$LATEST" or a version
    std::string requestId;
    std::int64_t timeMs = 0; // Unix time of the failure
    std::string errorType;   // ValueError, Sandbox.Timedout, Runtime.ExitError, ...
    std::string errorMessage;
    std::vector<std::string> stackTrace; // as the runtime reported it
    std::string event;                   // the payload, as given
    nlohmann::json context = nlohmann::json::object(); // functionName, memoryLimitInMB, ...
    std::map<std::string, std::string> environment;    // secrets masked
    std::string log;
    std::vector<Frame> frames; // outermost first; the raising frame last (empty: none captured)
    std::string trigger;
};

// What masked values read as.
inline constexpr const char *kMasked = "****";

// Whether a variable's name says it holds a secret (password, token, api key, ...).
bool looksSecret(const std::string &name);
// `environment` with the values of secret-looking names masked.
std::map<std::string, std::string> maskSecrets(std::map<std::string, std::string> environment);

// Reads the runtime's error document (errorMessage, errorType, stackTrace) into `failure`.
void readErrorDocument(const std::string &document, Failure &failure);
// Reads the bootstrap's scene ({"frames": [{name, file, line, locals}]}); secret-looking
// locals are masked again here, whatever the bootstrap did. Malformed frames are skipped.
std::vector<Frame> framesFromScene(const nlohmann::json &scene);

// {"id", "function", "qualifier", "requestId", "time" (ISO 8601), "timeMs", "errorType",
//  "errorMessage", "stackTrace", "event" (parsed when it is JSON, else the text), "context",
//  "environment", "log", "trigger", "frames": [{"name", "file", "line", "locals"}]}
nlohmann::json toJson(const Failure &failure);
// Reads what toJson wrote; throws std::invalid_argument naming the bad field.
Failure failureFromJson(const nlohmann::json &json);

// A short summary for listings: "ValueError: bad order" (type alone when no message).
std::string headline(const Failure &failure);

} // namespace nimbus::failures
