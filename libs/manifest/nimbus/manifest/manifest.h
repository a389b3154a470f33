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

// The platform a manifest is written for (DESIGN.md, "Platform dialects"): the Serverless
// Framework's format for AWS, or one of Tencent Cloud SCF's three. Everything past the
// loader sees one model; the dialect picks event shapes, bootstraps and API fronts.
enum class Dialect {
    Aws,          // serverless.yml, provider aws (the default)
    ScfComponent, // serverless.yml of Serverless Components: component: scf
    ScfPlugin,    // serverless.yml with provider.name tencent (serverless-tencent-scf)
    ScfTemplate,  // template.yaml of scfcli: TencentCloud::Serverless::* resources
};

// The dialect of a manifest's tree, from its content.
Dialect dialectOf(const YamlNode &root);
bool isScf(Dialect dialect);
const char *dialectName(Dialect dialect); // "aws", "scf-component", "scf-plugin", "scf-template"

// Which family a runtime name belongs to (Lambda's python3.12, SCF's Python3.9, ...).
enum class RuntimeFamily { Python, Node, Custom, Unknown };

RuntimeFamily runtimeFamily(const std::string &runtime);

template <typename T> struct Located {
    T value{};
    SourceRange range; // where the value was written (or the function's key, for defaults)
};

struct HttpServiceSpec {
    std::string command;
    // The port the server listens on: 0 when it takes $PORT; SCF web functions use 9000.
    int port = 0;
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
    // SCF triggers: the type as written when the model's differs ("timer" for "schedule",
    // "apigw" for "http"), the trigger's name, whether it is on, and a timer's Message.
    std::string writtenType;
    std::string name;
    bool enabled = true;
    std::string message;
    // SCF apigw: whether the gateway reads the function's result as the HTTP response
    // (integrated response), and the API's release environment (release, prepub, test).
    bool integratedResponse = false;
    std::string apiStage = "release";
};

// One of a function's layers (its `layers`, else the provider's): a layer this service
// builds ({Ref: <Key>LambdaLayer}, or the layer's key as written) or a layer version's ARN.
struct LayerUse {
    std::string layer; // the key under the top-level `layers`, when it is one of those
    std::string arn;   // otherwise the layer version's ARN (arn:aws:lambda:...:layer:NAME:N)
    SourceRange range;
};

// A layer this service builds from a folder of the project (the top-level `layers`): the
// folder's content is what Lambda extracts into /opt for the functions that list it.
struct Layer {
    std::string name; // its key under layers
    SourceRange nameRange;
    std::string path;         // the folder, absolute; empty when 'path' is missing
    std::string deployedName; // 'name', else the key (as the framework names it)
    std::string description;
    std::vector<std::string> compatibleRuntimes;
    std::string licenseInfo;
};

// The logical id CloudFormation gives a layer of this service, which functions 'Ref':
// "common-libs" -> "CommonDashlibsLambdaLayer".
std::string layerLogicalId(const std::string &layer);

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
    // An http function's invocations per instance at once; unset: the runtime's default
    // (Node 80, Python 1; see defaultHttpConcurrency).
    std::optional<int> concurrency;
    std::vector<Event> events;
    std::string codeDir; // the folder the code is in (absolute or project-relative)
    std::string namespaceName = "default"; // SCF namespace
    std::optional<int> initTimeout;        // SCF: seconds an instance may take to start
    // serverless-wsgi: the WSGI application (custom.wsgi.app, 'module.attribute') that the
    // plugin's generated wsgi_handler.handler serves; the runtime brings that handler.
    std::optional<std::string> wsgiApp;
    std::vector<LayerUse> layers; // in order: a later layer's files win, as in /opt
    // Its ephemeral storage in MB (ephemeralStorageSize, 512 to 10240): the size of its /tmp.
    int ephemeralStorageSize = 512;
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

// The invocations one instance of `fn` takes at once: an http function's `concurrency`, else
// 80 for Node (its event loop serves many, as Cloud Run's default has it) and 1 for the rest
// (a Python handler opts in with `concurrency`); 1 for event functions, as on Lambda.
int instanceConcurrencyOf(const Function &fn);

// Whether the simulator has a runtime for a function (an http service runs its own command).
bool runsInSimulator(const Function &fn);

// A project manifest with variables resolved and provider defaults applied.
struct Manifest {
    Dialect dialect = Dialect::Aws;
    std::string filePath;   // the manifest that was read
    std::string projectDir; // the folder it is in; handler paths are relative to it
    std::string service;
    Provider provider;
    std::vector<Function> functions;
    std::vector<Layer> layers; // the layers this service builds
    YamlNode tree;             // the resolved document, positions intact
    // custom.nimbus.sandbox: whether instances run sandboxed (bubblewrap) unless the command
    // line says otherwise (`nimbus dev --sandbox` / `--no-sandbox`), and whether a sandboxed
    // instance may reach the network (`sandbox: {network: false}`).
    std::optional<bool> sandbox;
    bool sandboxNetwork = true;

    const Function *function(const std::string &name) const;
    const Layer *layer(const std::string &name) const;
    // The folder a function's code is in: its own (SCF's src / CodeUri), else the project's.
    std::string codeDirOf(const Function &fn) const;
    // The executable a custom runtime starts: 'bootstrap', in the project folder for Lambda,
    // in the code folder for SCF (or 'scf_bootstrap' there, the name SCF's web functions
    // use, when only that one is there).
    std::string customBootstrapOf(const Function &fn) const;
};

} // namespace nimbus::manifest
