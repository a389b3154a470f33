#include "cli.h"
#include "diagnosticprinter.h"
#include "nimbus/manifest/manifestloader.h"
#include "nimbus/manifest/suggest.h"
#include "simulator/invoker.h"
#include "gateway/websocketapi.h"
#include "pool/functionpool.h"
#include "nimbus/net/digest.h"
#include "triggers/bucketnotifications.h"
#include "triggers/queuemappings.h"
#include "triggers/schedules.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace nimbus::cli {

namespace {

struct InvokeOptions {
    std::string function;
    std::string project = ".";
    std::string eventFile;
    std::string data;
    std::string stage;
};

// The project's manifest, when `function` can run from it; else what is wrong, on err.
std::optional<manifest::LoadResult> loadForFunction(const std::string &project,
                                                    const std::string &stage,
                                                    const std::string &function,
                                                    const char *command, Streams streams) {
    // The manifest is read here too, so mistakes are reported the same way as by validate.
    manifest::LoadOptions loadOptions;
    if (!stage.empty())
        loadOptions.options["stage"] = stage;
    manifest::LoadResult loaded = manifest::ManifestLoader(loadOptions).loadProject(project);
    // Only errors that keep this function from running stop it; warnings never do.
    if (loaded.blocksEverything()) {
        printDiagnostics(streams.err, loaded.blocking(""));
        streams.err << "nimbus " << command << ": fix the manifest first (nimbus doctor "
                    << project << " explains each problem)\n";
        return std::nullopt;
    }
    const manifest::Manifest &m = *loaded.manifest;
    if (m.function(function) && !loaded.canRun(function)) {
        printDiagnostics(streams.err, loaded.blocking(function));
        streams.err << "nimbus " << command << ": function '" << function
                    << "' cannot run until this is fixed (nimbus doctor " << project << ")\n";
        return std::nullopt;
    }
    if (!m.function(function)) {
        std::vector<std::string> names;
        for (const auto &f : m.functions)
            names.push_back(f.name);
        streams.err << "nimbus " << command << ": no function '" << function << "' in "
                    << m.filePath;
        if (auto guess = manifest::closestMatch(function, names))
            streams.err << "; did you mean '" << *guess << "'?";
        streams.err << "\nfunctions:";
        for (const auto &n : names)
            streams.err << ' ' << n;
        streams.err << '\n';
        return std::nullopt;
    }
    return loaded;
}

// Prints what a run of the function gave; the exit status.
int report(const sim::InvokeOutcome &outcome, const char *command, Streams streams) {
    if (!outcome.ran) {
        streams.err << "nimbus " << command << ": " << outcome.error << '\n';
        return 1;
    }
    streams.err << outcome.log << std::flush;
    streams.out << outcome.payload << '\n' << std::flush;
    return outcome.functionError ? 1 : 0;
}

int invoke(const InvokeOptions &options, Streams streams) {
    if (!loadForFunction(options.project, options.stage, options.function, "invoke", streams))
        return 1;

    const auto payload = readEvent(options.eventFile, options.data, "invoke", streams);
    if (!payload)
        return 1;

    return report(sim::invokeFunction(options.project, options.stage, options.function, *payload),
                  "invoke", streams);
}

struct TriggerOptions {
    std::string function;
    std::string project = ".";
    std::string eventType;
    std::string stage;
    std::string body = "{}";    // sqs: the message's body; websocket: the message
    std::string key;            // s3: the object's key (default: one the rules take)
};

// The event types trigger can fire, in the order it picks one when not told.
// (A Tencent project's timer is a schedule, its cos trigger a bucket's notification, its cmq
// trigger a queue's mapping.)
const std::vector<std::string> kTriggerable{"schedule", "sqs", "cmq", "s3", "cos", "websocket"};

std::int64_t nowSeconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The event the function's `type` event would send now; empty (with a message) when it has
// none that can be built.
std::optional<std::string> triggerEvent(const manifest::Manifest &m,
                                        const manifest::Function &function,
                                        const TriggerOptions &options, const std::string &type,
                                        Streams streams) {
    const std::string &name = function.name;
    if (type == "schedule") {
        std::vector<sim::Schedule> schedules;
        for (auto &schedule : sim::schedulesOf(m))
            if (schedule.function == name)
                schedules.push_back(std::move(schedule));
        if (schedules.empty()) {
            streams.err << "nimbus trigger: function '" << name
                        << "' has no valid schedule (nimbus validate " << options.project << ")\n";
            return std::nullopt;
        }
        // The first schedule, as if its time had come now (disabled ones too: asked for by
        // name).
        const sim::Schedule &schedule = schedules.front();
        streams.err << "nimbus trigger: " << name << "'s schedule " << schedule.expression
                    << " (rule " << schedule.rule << ")\n";
        return sim::scheduledEventPayload(schedule, m.provider.region, nowSeconds());
    }
    if (type == "sqs" || type == "cmq") {
        for (const auto &mapping : sim::queueMappingsOf(m)) {
            if (mapping.function != name || mapping.cmq.has_value() != (type == "cmq"))
                continue;
            // One message, as the mapping would deliver it on its first receipt.
            sim::QueueMessage message;
            message.id = 1;
            message.queue = mapping.queue;
            message.messageId = sim::newRequestId();
            message.receipt = "nimbus-trigger-" + message.messageId;
            message.body = options.body;
            message.md5OfBody = net::md5Hex(options.body);
            message.sentMs = message.firstReceiveMs = nowSeconds() * 1000;
            message.receiveCount = 1;
            if (mapping.cmq) {
                streams.err << "nimbus trigger: " << name << "'s CMQ topic " << mapping.queue
                            << " (one message)\n";
                return sim::cmqEventPayload(message, mapping);
            }
            streams.err << "nimbus trigger: " << name << "'s queue " << mapping.queue
                        << " (one message)\n";
            return sim::sqsEventPayload({message},
                                        "arn:aws:sqs:" + m.provider.region + ":000000000000:" +
                                            mapping.queue,
                                        m.provider.region);
        }
        streams.err << "nimbus trigger: function '" << name << "' has no " << type
                    << " event whose queue is known locally (nimbus validate " << options.project
                    << ")\n";
        return std::nullopt;
    }
    if (type == "s3" || type == "cos") {
        for (const auto &n : sim::bucketNotificationsOf(m)) {
            if (n.function != name)
                continue;
            // A key the rules take, unless one is given.
            std::string key = options.key;
            if (key.empty())
                key = (n.prefixes.empty() ? "" : n.prefixes.front()) + "example" +
                      (n.suffixes.empty() ? ".txt" : n.suffixes.front());
            const bool removed = n.event.find("ObjectRemoved") != std::string::npos;
            const std::string event = removed ? "ObjectRemoved:Delete" : "ObjectCreated:Put";
            streams.err << "nimbus trigger: " << name << "'s bucket " << n.bucket << " (" << event
                        << " " << key << ")\n";
            return sim::s3EventPayload(n, event, key, 1024, net::md5Hex(key), "0055AED6DCD90281E5",
                                       sim::newRequestId(), m.provider.region,
                                       nowSeconds() * 1000);
        }
        streams.err << "nimbus trigger: function '" << name
                    << "' has no s3 event whose bucket is known locally\n";
        return std::nullopt;
    }
    if (type == "websocket") {
        const sim::RouteTable routes(m);
        for (const auto &route : routes.webSocketRoutes()) {
            if (route.function != name)
                continue;
            sim::WebSocketConnection connection;
            connection.id = "nimbusTrigger=";
            connection.connectedAtMs = connection.lastActiveAtMs = nowSeconds() * 1000;
            connection.sourceIp = "127.0.0.1";
            connection.userAgent = "nimbus trigger";
            sim::ApiContext api;
            api.stage = m.provider.stage;
            const auto kind = route.routeKey == "$connect"      ? sim::WebSocketEventType::Connect
                              : route.routeKey == "$disconnect" ? sim::WebSocketEventType::Disconnect
                                                                : sim::WebSocketEventType::Message;
            streams.err << "nimbus trigger: " << name << "'s WebSocket route " << route.routeKey
                        << "\n";
            return sim::webSocketEvent(kind, route.routeKey, connection, sim::GatewayRequest{}, api,
                                       options.body)
                .dump();
        }
    }
    return std::nullopt;
}

// Fires a function's event source once, now, with the event it would send.
int trigger(const TriggerOptions &options, Streams streams) {
    const auto loaded =
        loadForFunction(options.project, options.stage, options.function, "trigger", streams);
    if (!loaded)
        return 1;
    const manifest::Manifest &m = *loaded->manifest;
    const manifest::Function &function = *m.function(options.function);
    std::vector<std::string> types;
    for (const auto &event : function.events)
        if (std::find(types.begin(), types.end(), event.type) == types.end())
            types.push_back(event.type);
    std::string type = options.eventType;
    if (type.empty())
        for (const auto &candidate : kTriggerable)
            if (std::find(types.begin(), types.end(), candidate) != types.end()) {
                type = candidate;
                break;
            }
    const bool has = std::find(types.begin(), types.end(), type) != types.end();
    const bool can = std::find(kTriggerable.begin(), kTriggerable.end(), type) != kTriggerable.end();
    if (!has || !can) {
        streams.err << "nimbus trigger: ";
        if (type.empty() || !has)
            streams.err << "function '" << function.name << "' has no "
                        << (type.empty() ? std::string("schedule, sqs, s3 or websocket")
                                         : "'" + type + "'")
                        << " event" << (types.empty() ? "" : "; its events:");
        else
            streams.err << "'" << type << "' events cannot be triggered (schedule, sqs, s3 and "
                        << "websocket can); its events:";
        for (const auto &t : types)
            streams.err << ' ' << t;
        streams.err << "\n(nimbus invoke " << function.name << " --data '{...}' sends any event)\n";
        return 1;
    }
    const auto payload = triggerEvent(m, function, options, type, streams);
    if (!payload)
        return 1;
    return report(sim::invokeFunction(options.project, options.stage, options.function, *payload),
                  "trigger", streams);
}

} // namespace

std::optional<std::string> readEvent(const std::string &eventFile, const std::string &data,
                                     const char *command, Streams streams) {
    std::string payload = data.empty() ? "{}" : data;
    std::string source = "--data";
    if (!eventFile.empty()) {
        std::ifstream in(eventFile, std::ios::binary);
        if (!in) {
            streams.err << "nimbus " << command << ": " << eventFile
                        << ": cannot read the event file\n";
            return std::nullopt;
        }
        std::ostringstream text;
        text << in.rdbuf();
        payload = text.str();
        source = eventFile;
    }
    try {
        const nlohmann::json parsed = nlohmann::json::parse(payload);
        (void)parsed;
    } catch (const nlohmann::json::parse_error &e) {
        streams.err << "nimbus " << command << ": " << source
                    << ": the event is not valid JSON (at byte " << e.byte << "): " << e.what()
                    << '\n';
        return std::nullopt;
    }
    return payload;
}

void addInvokeCommand(CLI::App &app, Streams streams, int &exitCode) {
    auto options = std::make_shared<InvokeOptions>();
    CLI::App *cmd =
        app.add_subcommand("invoke", "Run a function once with an event and print its result");
    cmd->add_option("function", options->function, "Function name, as in serverless.yml")
        ->required();
    cmd->add_option("--project,-p", options->project,
                    "Project folder (default: the current folder)");
    auto *event = cmd->add_option("--event,-e", options->eventFile, "File holding the event JSON");
    cmd->add_option("--data,-d", options->data, "The event JSON itself")->excludes(event);
    cmd->add_option("--stage", options->stage, "Stage for ${opt:stage} and ${sls:stage}");
    cmd->footer("The result goes to stdout, the function's log (START/END/REPORT) to stderr.\n"
                "Uses the simulator serving the project when one runs (nimbus-sim), else starts "
                "one for this call.\n"
                "Exit status: 0 on success, 1 on a function error or a problem with the input.");
    cmd->callback([options, streams, &exitCode] { exitCode = invoke(*options, streams); });
}

void addTriggerCommand(CLI::App &app, Streams streams, int &exitCode) {
    auto options = std::make_shared<TriggerOptions>();
    CLI::App *cmd = app.add_subcommand(
        "trigger", "Fire a function's event source once, now, with the event it would send");
    cmd->add_option("function", options->function, "Function name, as in serverless.yml")
        ->required();
    cmd->add_option("--project,-p", options->project,
                    "Project folder (default: the current folder)");
    cmd->add_option("--event-type", options->eventType,
                    "Which of its events: schedule, sqs, cmq, s3, cos or websocket (default: "
                    "the first it has, in that order)");
    cmd->add_option("--body", options->body,
                    "sqs, cmq: the message's body; websocket: the message (default {})");
    cmd->add_option("--key", options->key,
                    "s3, cos: the object's key (default: one the event's rules take)");
    cmd->add_option("--stage", options->stage, "Stage for ${opt:stage} and ${sls:stage}");
    cmd->footer(
        "A schedule sends EventBridge's Scheduled Event for its rule (or its input); sqs "
        "a batch of one message of its queue; cmq CMQ's event for one message of its topic; "
        "s3 and cos the notification of an object created (or removed) in its bucket; "
        "websocket the route's event.\n"
        "The result goes to stdout, the function's log to stderr, as with nimbus invoke.");
    cmd->callback([options, streams, &exitCode] { exitCode = trigger(*options, streams); });
}

} // namespace nimbus::cli
