#pragma once

#include "nimbus/manifest/diagnostic.h"
#include "nimbus/manifest/yamltree.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::manifest {

// The three kinds of function of DESIGN.md, told apart by the key that names the code:
// handler (event function), httpHandler (http function), httpService (http service).
enum class FunctionKind { Event, HttpFunction, HttpService };

const char *functionKindName(FunctionKind kind); // "event", "http", "service"

// Which family a runtime name belongs to.
enum class RuntimeFamily { Python, Node, Custom, Unknown };

RuntimeFamily runtimeFamily(const std::string &runtime);

template <typename T> struct Located {
    T value{};
    SourceRange range; // where the value was written (or the function's key, for defaults)
};

struct HttpServiceSpec {
    std::string command;
    int concurrency = 80;
    std::optional<std::string> readinessPath;
    int maxInstances = 10;
    int idleTimeoutSeconds = 300;
};

// One trigger. HTTP routes are parsed; other events keep their settings as a tree.
struct Event {
    std::string type; // "http", "httpApi", "schedule", "sqs", "s3", ...
    SourceRange range;
    std::string method;                 // http / httpApi: upper-case method, "ANY" for every method
    std::string path;                   // http / httpApi: route path, "*" for the httpApi catch-all
    std::vector<std::string> schedules; // schedule: rate(...) / cron(...) expressions
    YamlNode settings;                  // the event's value as written (after variables)
};

struct Function {
    std::string name; // key under functions
    SourceRange nameRange;
    FunctionKind kind = FunctionKind::Event;
    Located<std::string> handler; // handler or httpHandler, "module.function"
    std::optional<HttpServiceSpec> service;
    Located<std::string> runtime;
    Located<int> memorySize;
    Located<int> timeout;
    std::map<std::string, std::string> environment; // provider's, overridden by the function's
    std::string description;
    std::string deployedName; // <service>-<stage>-<function> unless 'name' is set
    std::string path;         // gateway path for http functions and services
    std::optional<int> reservedConcurrency;
    std::vector<Event> events;
    // serverless-wsgi: the WSGI application (custom.wsgi.app, 'module.attribute') that the
    // plugin's generated wsgi_handler.handler serves; the runtime brings that handler.
    std::optional<std::string> wsgiApp;
};

struct Provider {
    std::string name = "aws";
    std::string runtime = "nodejs20.x"; // the Serverless Framework's default family
    std::string stage = "dev";
    std::string region = "us-east-1";
    int memorySize = 1024;
    int timeout = 6;
    std::map<std::string, std::string> environment;
};

// The runtime family of a function in a document's tree, for editor features on text that
// may not load: its runtime, else the provider's, else the framework's default.
RuntimeFamily runtimeFamilyOf(const YamlNode &root, const YamlNode &function);

// Whether the simulator has a runtime for a function (an http service runs its own command).
bool runsInSimulator(const Function &fn);

// A project manifest with variables resolved and provider defaults applied.
struct Manifest {
    std::string filePath;   // the serverless.yml that was read
    std::string projectDir; // the folder it is in; handler paths are relative to it
    std::string service;
    Provider provider;
    std::vector<Function> functions;
    YamlNode tree; // the resolved document, positions intact

    const Function *function(const std::string &name) const;
};

} // namespace nimbus::manifest
